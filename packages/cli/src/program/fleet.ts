import type { Command } from 'commander';
import { lazyAction } from './lazy-action';
import { intInRange } from './options';

/** Commands for running Permafrost as a fleet: workers that finish queued transitions, and reconcile. */
export function declareFleetCommands(program: Command): void {
  program
    .command('worker')
    .description('run queued transitions and maintenance jobs until SIGTERM/SIGINT (run as many as needed, on any machines)')
    .option('--concurrency <n>', 'transitions this process runs at once', intInRange(1, 16, ' (each job holds one of 20 pooled connections)'), 2)
    .option('--plugin <module...>', 'also boot the plugins a module exports (`plugins` array or default); workers must boot what requesters boot')
    .option('--reconcile-cron <cron>', 'schedule reconcile (pg-boss cron, UTC); "off" to disable', '*/10 * * * *')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0: any free port)')
    .option('--metrics-host <host>', 'interface the metrics server listens on (0.0.0.0 for a scraper on another host)', '127.0.0.1')
    .action(lazyAction(program, 'worker', () => require('../commands/worker') as typeof import('../commands/worker')));

  program
    .command('reconcile')
    .description('find workspaces whose data disagrees with their status (hot events while paused, cold while active, stuck transitions) and enqueue the fixes')
    .option('--dry-run', 'report only, enqueue nothing')
    .action(lazyAction(program, 'reconcile', () => require('../commands/reconcile') as typeof import('../commands/reconcile')));
}
