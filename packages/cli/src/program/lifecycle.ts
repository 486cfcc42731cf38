import type { Command } from 'commander';
import { lazyAction } from './lazy-action';
import { nonNegativeNumber, positiveNumber } from './options';

const TRANSITIONS = {
  pause: 'pause a workspace and move its events to cold storage',
  resume: 'restore a paused workspace\'s events and make it active',
  tombstone: 'tombstone a workspace (frees its name) and move its events to cold storage',
  untombstone: 'restore a tombstoned workspace\'s events and name and make it active',
} as const;

export function declareLifecycleCommands(program: Command): void {
  for (const [transition, description] of Object.entries(TRANSITIONS)) {
    program
      .command(`${transition} <workspace>`)
      .description(description)
      .option('--async', 'run the checks, queue the rest for a worker (`permafrost worker`) and print the operation id at once')
      .action(lazyAction(program, transition, () => (require('../commands/transition') as typeof import('../commands/transition')).forTransition(transition as keyof typeof TRANSITIONS)));
  }

  program
    .command('retry <workspace>')
    .description('finish the workspace\'s last transition whose hooks failed (e.g. an archive during an S3 outage)')
    .action(lazyAction(program, 'retry', () => require('../commands/retry') as typeof import('../commands/retry')));

  program
    .command('wait <operation>')
    .description('wait for an operation queued with --async; exit 1 (OPERATION_FAILED) if it failed')
    .option('--timeout <seconds>', 'give up after this long (OPERATION_TIMEOUT; the operation goes on)', positiveNumber, 600)
    .action(lazyAction(program, 'wait', () => require('../commands/wait') as typeof import('../commands/wait')));

  program
    .command('archive <workspace>')
    .description('move hot events of a Paused or Tombstoned workspace to cold storage (events that arrived after its pause)')
    .action(lazyAction(program, 'archive', () => require('../commands/archive') as typeof import('../commands/archive')));

  program
    .command('migrate-strategy <workspace>')
    .description("move an archived workspace's cold copy to another strategy: verified restore, then verified archive (resumable)")
    .requiredOption('--to <strategy>', 'the strategy to move it to (e.g. parquet)')
    .action(lazyAction(program, 'migrate-strategy', () => require('../commands/migrate-strategy') as typeof import('../commands/migrate-strategy')));

  program
    .command('gc')
    .description('delete cold-disk objects that no table references (left by inserts that failed while S3 was failing)')
    .option('--dry-run', 'list them, delete nothing')
    .option('--older-than <minutes>', 'only objects older than this (an insert in flight has uncommitted objects)', nonNegativeNumber, 60)
    .action(lazyAction(program, 'gc', () => require('../commands/gc') as typeof import('../commands/gc')));
}
