import type { Command } from 'commander';
import { lazyAction } from './lazy-action';
import { positiveInt } from './options';

export function declareWorkspaceCommands(program: Command): void {
  program
    .command('create <name>')
    .description('create an Active workspace')
    .option('--external-id <id>', 'external id (unique when set)')
    .action(lazyAction(program, 'create', () => require('../commands/create') as typeof import('../commands/create')));

  program
    .command('status [workspace]')
    .description('status and cold-storage state of every workspace (or one): hot and cold rows, bytes')
    .action(lazyAction(program, 'status', () => require('../commands/status') as typeof import('../commands/status')));

  program
    .command('plan <workspace>')
    .description('dry run: the partitions, rows and bytes an archive or restore would move now, and the strategy')
    .action(lazyAction(program, 'plan', () => require('../commands/plan') as typeof import('../commands/plan')));

  program
    .command('seed')
    .description('ingest generated segment-style events into a workspace')
    .requiredOption('--events <n>', 'how many events', positiveInt)
    .requiredOption('--workspace <id>', 'workspace id')
    .option('--months <n>', 'months of history', positiveInt, 12)
    .action(lazyAction(program, 'seed', () => require('../commands/seed') as typeof import('../commands/seed')));
}
