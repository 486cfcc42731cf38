import type { Command } from 'commander';
import { lazyAction } from './lazy-action';

export function declareStackCommands(program: Command): void {
  const stack = program.command('stack').description('the embedded Postgres, S3 and ClickHouse in the background, shared by every command');
  stack
    .command('up')
    .description('start the embedded Postgres, S3 and ClickHouse (engine server) in the background and print where they answer')
    .option('--fresh', 'wipe the instance\'s data first (refused without --force when it has data)')
    .option('--force', 'with --fresh: really wipe existing data')
    .action(lazyAction(program, 'stack up', () => require('../commands/stack-up') as typeof import('../commands/stack-up')));
  stack
    .command('down')
    .description('stop the background stack')
    .action(lazyAction(program, 'stack down', () => require('../commands/stack-down') as typeof import('../commands/stack-down')));
}
