import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DataSource } from 'typeorm';
import { InvalidInputError, TransitionExecutor, type PermafrostPlugin } from '@permafrost/core/plugin';
import { transitionJobHandler, workerId } from '@permafrost/backend-lib';
import { openContext, type CliContext } from '../context';
import { createFleetQueues, MAINTENANCE_QUEUE, RECONCILE_QUEUE, runMaintenance, type MaintenanceJob } from '../fleet/maintenance-jobs';
import { reconcile, type ReconcileReport } from '../fleet/reconcile';
import { workerMetrics } from '../fleet/worker-metrics';
import { table } from '../output';
import { run } from '../run';

/** Commands for running Permafrost as a fleet: workers that finish queued transitions, and reconcile. */
export function registerFleetCommands(program: Command): void {
  program
    .command('worker')
    .description('run queued transitions and maintenance jobs until SIGTERM/SIGINT (run as many as needed, on any machines)')
    .option('--concurrency <n>', 'transitions this process runs at once', '2')
    .option('--plugin <module...>', 'also boot the plugins a module exports (`plugins` array or default); workers must boot what requesters boot')
    .option('--reconcile-cron <cron>', 'schedule reconcile (pg-boss cron, UTC); "off" to disable', '*/10 * * * *')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0: any free port)')
    .option('--metrics-host <host>', 'interface the metrics server listens on (0.0.0.0 for a scraper on another host)', '127.0.0.1')
    .action((cmd: { concurrency: string; plugin?: string[]; reconcileCron: string; metricsPort?: string; metricsHost: string }) => run(program, async (options, out) => {
      const concurrency = Number(cmd.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new InvalidInputError(`--concurrency must be a whole number from 1 to 16 (each job holds one of 20 pooled connections), got ${JSON.stringify(cmd.concurrency)}`);
      const metrics = workerMetrics(cmd.metricsPort, cmd.metricsHost);
      const ctx = await openContext({ ...options, plugins: [...loadPlugins(cmd.plugin ?? []), ...metrics], supervise: true });
      try {
        const stop = await startWorker(ctx, concurrency, cmd.reconcileCron);
        const metricsUrl = metrics[0]?.url();
        out.result({ ready: true, worker: workerId(), concurrency, ...(metricsUrl ? { metrics: metricsUrl } : {}) }, () => `worker ${workerId()} ready (concurrency ${concurrency})${metricsUrl ? `; metrics at ${metricsUrl}` : ''}; SIGTERM or Ctrl-C stops it after the jobs in hand`);
        const signal = await new Promise<string>((done) => {
          process.once('SIGTERM', () => done('SIGTERM'));
          process.once('SIGINT', () => done('SIGINT'));
        });
        out.note(`${signal}: finishing the jobs in hand…`);
        await stop();
      } finally {
        await ctx.close(); // pg-boss stops gracefully: it waits for active jobs
      }
    }));

  program
    .command('reconcile')
    .description('find workspaces whose data disagrees with their status (hot events while paused, cold while active, stuck transitions) and enqueue the fixes')
    .option('--dry-run', 'report only, enqueue nothing')
    .action((cmd: { dryRun?: boolean }) => run(program, async (options, out) => {
      const ctx = await openContext(options);
      try {
        const report = await reconcile(deps(ctx), { dryRun: cmd.dryRun ?? false });
        out.result(report, () => renderReport(report));
      } finally {
        await ctx.close();
      }
    }));
}

/** Subscribes this process to the transition, maintenance and reconcile queues; returns stop(). */
async function startWorker(ctx: CliContext, concurrency: number, cron: string): Promise<() => Promise<void>> {
  const stopTransitions = await ctx.jobs.work(transitionJobHandler(ctx.app.resolve(TransitionExecutor)), { concurrency });
  const boss = await ctx.jobs.boss();
  await createFleetQueues(boss);
  await boss.work<MaintenanceJob>(MAINTENANCE_QUEUE, { batchSize: 1 }, async ([job]) => runMaintenance(ctx.coldStorage, job!.data));
  await boss.work(RECONCILE_QUEUE, { batchSize: 1 }, async () => summary(await reconcile(deps(ctx))));
  if (cron === 'off') await boss.unschedule(RECONCILE_QUEUE);
  else await boss.schedule(RECONCILE_QUEUE, cron);
  return async () => {
    await stopTransitions();
    await boss.offWork(MAINTENANCE_QUEUE);
    await boss.offWork(RECONCILE_QUEUE);
  };
}

function deps(ctx: CliContext) {
  return { dataSource: ctx.app.resolve(DataSource), coldStorage: ctx.coldStorage, jobs: ctx.jobs };
}

function summary(report: ReconcileReport) {
  return { checked: report.checked, findings: report.findings.length, enqueued: report.findings.filter((f) => f.enqueued).length };
}

function loadPlugins(modules: string[]): PermafrostPlugin[] {
  return modules.flatMap((m) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(resolve(m)) as { plugins?: PermafrostPlugin[]; default?: PermafrostPlugin | PermafrostPlugin[] };
    const plugins = loaded.plugins ?? loaded.default;
    if (!plugins) throw new InvalidInputError(`--plugin ${m} exports neither \`plugins\` nor a default plugin`);
    return Array.isArray(plugins) ? plugins : [plugins];
  });
}

function renderReport(report: ReconcileReport): string {
  const head = `${report.checked} workspaces checked in ${report.durationMs} ms; ${report.findings.length} disagree${report.dryRun ? ' (dry run: nothing enqueued)' : ''}`;
  if (report.findings.length === 0) return head;
  return `${head}\n${table(['workspace', 'status', 'problem', 'detail', 'fix', 'enqueued'], report.findings.map((f) => [f.workspaceId, f.status, f.problem, f.detail, f.fix, f.enqueued ? 'yes' : 'no']))}`;
}
