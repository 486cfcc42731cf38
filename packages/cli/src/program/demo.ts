import type { Command } from 'commander';
import { lazyAction } from './lazy-action';
import { atLeast, positiveInt } from './options';

export function declareDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the whole job on the embedded stack (or your servers) and verify it: PASS or FAIL')
    .option('--events <n>', 'events in all, spread over the workspaces', positiveInt, 300_000)
    .option('--workspaces <k>', 'workspaces to create (at least 2)', atLeast(2), 3)
    .option('--keep', 'keep the demo data (default: removed at the end)')
    .option('--force', 'with --instance: wipe the instance\'s existing data first (refused without it)')
    .action(lazyAction(program, 'demo', () => require('../commands/demo') as typeof import('../commands/demo')));
}
