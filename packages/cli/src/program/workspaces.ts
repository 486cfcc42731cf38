import { InvalidArgumentError, Option, type Command } from 'commander';
import { lazyAction } from './lazy-action';
import { positiveInt } from './options';

// Literal lists (not imported) so that declaring the command loads no library: --help stays fast.
const WORKSPACE_STATUSES = ['Active', 'Paused', 'Tombstoned'];
const COLD_STORAGE_STATES = ['none', 'archiving', 'archived', 'restoring', 'failed'];
const HISTORY_LIMIT = { default: 20, max: 200 }; // backend-lib's HISTORY_LIMIT (a test keeps them equal)
const STATUS_LIMIT = { default: 50, max: 500 }; // backend-lib's STATUS_LIMIT

/** A page size: a whole number from 1 to `max`; anything else is a usage error (exit 2). */
function pageSize(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

export function declareWorkspaceCommands(program: Command): void {
  program
    .command('create <name>')
    .description('create an Active workspace')
    .option('--external-id <id>', 'external id (unique when set)')
    .action(lazyAction(program, 'create', () => require('../commands/create') as typeof import('../commands/create')));

  program
    .command('status [workspace]')
    .description('status and cold-storage state of every workspace (or one): hot and cold rows, bytes; --all: a page of workspaces, filtered')
    .option('--all', 'every workspace, in pages (filters below); without it, status lists every workspace at once, or one')
    .addOption(new Option('--status <status>', 'only workspaces with this status').choices(WORKSPACE_STATUSES))
    .addOption(new Option('--cold-state <state>', 'only workspaces with this cold-storage state').choices(COLD_STORAGE_STATES))
    .option('--failed', 'only workspaces whose latest transition failed or whose cold storage is failed')
    .option('--limit <n>', `workspaces per page (1-${STATUS_LIMIT.max}, default ${STATUS_LIMIT.default})`, pageSize(STATUS_LIMIT.max))
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--data', 'also count hot and cold rows (one ClickHouse query per page, not per workspace)')
    .action(lazyAction(program, 'status', () => require('../commands/status') as typeof import('../commands/status')));

  program
    .command('history <workspace>')
    .description('every transition and cold-storage operation of a workspace, newest first: steps, durations, attempts, errors')
    .option('--limit <n>', `entries per page (1-${HISTORY_LIMIT.max})`, pageSize(HISTORY_LIMIT.max), HISTORY_LIMIT.default)
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .action(lazyAction(program, 'history', () => ({ run: (require('../commands/inspect') as typeof import('../commands/inspect')).runHistory })));

  program
    .command('describe <workspace>')
    .description("where a workspace's data is (hot and cold, per table), its last failure and the next action")
    .action(lazyAction(program, 'describe', () => ({ run: (require('../commands/inspect') as typeof import('../commands/inspect')).runDescribe })));

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
