#!/usr/bin/env node
import 'reflect-metadata';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { defaultDataRoot, repoRoot } from '@permafrost/dev-stack';
import { runFleetTransitions, type RoundResult } from './fleet/fleet-transitions';
import { killStartedWorkers } from './fleet/workers';
import { machine } from './machine';

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};

const program = new Command('bench:fleet-transitions')
  .description('N workspaces paused at once (cold storage archives each), every one checked, then resumed and checked again, run by W worker processes')
  .option('--workspaces <n>', 'workspaces (N)', int(1, 100_000), 50)
  .option('--events-per-workspace <n>', 'events seeded into each (E)', int(1, 10_000_000), 30)
  .option('--months <n>', 'months the events of a workspace span', int(1, 120), 2)
  .option('--workers <n>', '`permafrost worker` processes (W)', int(1, 32), 2)
  .option('--concurrency <n>', 'transitions each worker runs at once (C, its --concurrency)', int(1, 16), 2)
  .option('--timeout <s>', 'seconds each round (pauses, resumes) may take', int(1, 86_400), 3600)
  .option('--out <dir>', 'where the JSON goes', resolve(repoRoot, 'bench/results'))
  .option('--keep', 'keep the scratch directory (servers\' data) afterwards')
  .parse();

type Options = { workspaces: number; eventsPerWorkspace: number; months: number; workers: number; concurrency: number; timeout: number; out: string; keep?: boolean };

async function main() {
  const opts = program.opts<Options>();
  const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  const startedAt = new Date();
  const dir = join(process.env.PERMAFROST_DATA_DIR ?? defaultDataRoot, `fleet-bench-${process.pid}`);
  // Interrupted: the engine server and the services stop by themselves when this process exits; the
  // workers would not, so they go first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killStartedWorkers();
      log(`${signal}: workers killed; the servers stop with this process; scratch data left in ${dir}`);
      process.exit(130);
    });
  }
  let result;
  try {
    result = await runFleetTransitions({
      workspaces: opts.workspaces, eventsPerWorkspace: opts.eventsPerWorkspace, months: opts.months,
      workers: opts.workers, concurrency: opts.concurrency, dir, database: 'permafrost_fleet_bench',
      roundTimeoutMs: opts.timeout * 1000, log,
    });
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
  const failing = (r: RoundResult) => r.checks.filter((c) => c.problems.length > 0);
  const summary = (r: RoundResult) => ({ ...r, checks: { passed: r.checks.length - failing(r).length, failed: failing(r).length, examples: failing(r).slice(0, 10) } });
  const ok = failing(result.pause).length === 0 && failing(result.resume).length === 0 && result.pause.checks.length === opts.workspaces
    && result.resume.checks.length === opts.workspaces && Object.keys(result.workerLogProblems).length === 0 && result.reconcileAfterPause.findings === 0;
  const json = { startedAt: startedAt.toISOString(), machine: machine(result.engineVersion), ...result, pause: summary(result.pause), resume: summary(result.resume), ok };
  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `fleet-transitions-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(json, null, 2));

  const line = (r: RoundResult) => `${r.transition.padEnd(7)} ids ${(r.requestsMs / 1000).toFixed(1)} s, all done ${(r.completedMs / 1000).toFixed(1)} s`
    + (r.settledMs === undefined ? '' : `, hot deletes settled ${(r.settledMs / 1000).toFixed(1)} s`)
    + `; latency p50 ${(r.latencyMs.p50 / 1000).toFixed(1)} s p99 ${(r.latencyMs.p99 / 1000).toFixed(1)} s; ${r.completed} completed, ${r.failed} failed, `
    + `${Object.values(r.rejectedByCode).reduce((a, b) => a + b, 0)} rejected, ${r.jobs.retried} retried; checks ${r.checks.length - failing(r).length}/${r.checks.length} pass`;
  process.stdout.write([
    `fleet transitions: ${result.workspaces} workspaces × ${result.eventsPerWorkspace} events (${result.months} months), ${result.workers} worker processes × concurrency ${result.concurrency}`,
    `seed ${(result.seedMs / 1000).toFixed(1)} s, workers ready ${(result.workersReadyMs / 1000).toFixed(1)} s`,
    line(result.pause),
    `reconcile --dry-run after the pauses: ${result.reconcileAfterPause.checked} workspaces in ${(result.reconcileAfterPause.durationMs / 1000).toFixed(1)} s, ${result.reconcileAfterPause.findings} findings`,
    line(result.resume),
    `pg connections peak ${result.pgConnectionsPeak.server} (server) / ${result.pgConnectionsPeak.database} (database); peak RSS MiB: requester ${result.peakRssMiB.requester}, workers ${result.peakRssMiB.workers.join('/')}, engine server ${result.peakRssMiB.engineServer ?? '?'}`,
    `worker log problems: ${JSON.stringify(Object.fromEntries(Object.entries(result.workerLogProblems).map(([k, v]) => [k, v.count])))}; errors: ${JSON.stringify({ pause: { rejected: result.pause.rejectedByCode, failed: result.pause.jobs.failedByCode }, resume: { rejected: result.resume.rejectedByCode, failed: result.resume.jobs.failedByCode } })}`,
    `${ok ? 'all checks pass' : 'CHECKS FAILED'}   results: ${file}`,
  ].join('\n') + '\n');
  if (!ok) process.exitCode = 1;
}

main().then(() => process.exit(process.exitCode ?? 0), (err) => {
  process.stderr.write(`bench:fleet-transitions failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
