import { resolve } from 'node:path';
import { InvalidInputError, TransitionExecutor, type PermafrostPlugin } from '@permafrost/core/plugin';
import { transitionJobHandler, workerId } from '@permafrost/backend-lib';
import { withContext, type CliContext } from '../context';
import { workerMetrics } from '../fleet/worker-metrics';
import { createFleetQueues, MAINTENANCE_QUEUE, RECONCILE_QUEUE, runMaintenance, type MaintenanceJob } from '../fleet/maintenance-jobs';
import { reconcile, reconcileDeps, type ReconcileReport } from '../fleet/reconcile';
import type { CommandIO } from '../program/lazy-action';

/**
 * Runs queued transitions, maintenance jobs and the reconcile cron until SIGTERM/SIGINT. Prints its
 * envelope (`data.ready`) once subscribed, so a supervisor can wait for that line.
 */
export async function run(io: CommandIO, cmd: { concurrency: number; plugin?: string[]; reconcileCron: string; metricsPort?: string; metricsHost: string }): Promise<void> {
  // The port is checked before any server starts; without --metrics-port no metrics plugin boots.
  const metrics = workerMetrics(cmd.metricsPort, cmd.metricsHost);
  const plugins = [...loadPlugins(cmd.plugin ?? []), ...metrics];
  await withContext({ ...io.options, command: 'worker', plugins, supervise: true }, async (ctx) => {
    // pg-boss stops gracefully when the context closes: it waits for active jobs.
    const stop = await startWorker(ctx, cmd.concurrency, cmd.reconcileCron);
    const metricsUrl = metrics[0]?.url();
    io.out.result(
      { ready: true, worker: workerId(), concurrency: cmd.concurrency, ...(metricsUrl ? { metrics: metricsUrl } : {}) },
      () => `worker ${workerId()} ready (concurrency ${cmd.concurrency})${metricsUrl ? `; metrics at ${metricsUrl}` : ''}; SIGTERM or Ctrl-C stops it after the jobs in hand`);
    const signal = await new Promise<string>((done) => {
      process.once('SIGTERM', () => done('SIGTERM'));
      process.once('SIGINT', () => done('SIGINT'));
    });
    io.out.note(`${signal}: finishing the jobs in hand…`);
    await stop();
  });
}

/** Subscribes this process to the transition, maintenance and reconcile queues; returns stop(). */
async function startWorker(ctx: CliContext, concurrency: number, cron: string): Promise<() => Promise<void>> {
  const stopTransitions = await ctx.jobs.work(transitionJobHandler(ctx.app.resolve(TransitionExecutor)), { concurrency });
  const boss = await ctx.jobs.boss();
  await createFleetQueues(boss);
  await boss.work<MaintenanceJob>(MAINTENANCE_QUEUE, { batchSize: 1 }, async ([job]) => runMaintenance(ctx.coldStorage, job!.data));
  await boss.work(RECONCILE_QUEUE, { batchSize: 1 }, async () => summary(await reconcile(reconcileDeps(ctx))));
  if (cron === 'off') await boss.unschedule(RECONCILE_QUEUE);
  else await boss.schedule(RECONCILE_QUEUE, cron);
  return async () => {
    await stopTransitions();
    await boss.offWork(MAINTENANCE_QUEUE);
    await boss.offWork(RECONCILE_QUEUE);
  };
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
