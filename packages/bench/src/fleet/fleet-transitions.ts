import type { TransitionName } from '@permafrost/core';
import { percentile, round } from '../stats';
import { checkPaused, checkResumed, type Seeded, type WorkspaceCheck } from './checks';
import { hotRowDigests, hotStoredDigests, waitForHotDeletes } from './digests';
import { openFleetApp, type FleetApp } from './fleet-app';
import { startFleetStack } from './fleet-stack';
import { probeReconcile, type ReconcileProbe } from './reconcile-probe';
import { peakRssOf, startSampler } from './sampler';
import { seedWorkspaces } from './seed';
import { jobErrors, latencies, requestAll, waitForOperations } from './transitions';
import { startWorkers, stopWorkers, type WorkerProcess } from './workers';

export interface FleetRunOptions {
  workspaces: number;
  eventsPerWorkspace: number;
  /** Months the seeded events span (each workspace-month is a cold partition per table). */
  months: number;
  /** `permafrost worker` processes. */
  workers: number;
  /** `--concurrency` of each worker. */
  concurrency: number;
  /** Scratch directory: embedded servers' data and the engine's. */
  dir: string;
  database: string;
  /** Per round (pauses, resumes): how long every operation may take to finish. */
  roundTimeoutMs: number;
  log?: (message: string) => void;
  /** Called after each round's checks, with the app still open (tests look further, e.g. that the checks can fail). */
  afterRound?: (round: RoundResult, context: RoundContext) => Promise<void>;
}

/** What a round ran on, for `afterRound`. */
export interface RoundContext {
  app: FleetApp;
  workspaceIds: string[];
  seeded: Seeded;
  /** Workspace id → the operation id its request returned. */
  operations: Map<string, string>;
}

export interface RoundResult {
  transition: TransitionName;
  /** Every request answered (with an operation id or an error). */
  requestsMs: number;
  /** From the first request until every operation was completed or settled failed. */
  completedMs: number;
  /** Pauses: until the hot tables' deletes were applied (the hot rows are invisible only then). */
  settledMs?: number;
  checkMs: number;
  latencyMs: { p50: number; p99: number; max: number; count: number };
  completed: number;
  failed: number;
  rejectedByCode: Record<string, number>;
  jobs: { retried: number; failedByCode: Record<string, number> };
  checks: WorkspaceCheck[];
}

export interface FleetRunResult {
  workspaces: number;
  eventsPerWorkspace: number;
  months: number;
  workers: number;
  concurrency: number;
  workerMode: 'processes';
  engineVersion: string;
  seedMs: number;
  workersReadyMs: number;
  pause: RoundResult;
  /** `reconcile --dry-run` right after the pauses: every workspace Paused and archived, so nothing to fix. */
  reconcileAfterPause: ReconcileProbe;
  resume: RoundResult;
  /** Worker log lines at warn or above, by message and codes: how many, and the first few errors' text. */
  workerLogProblems: Record<string, { count: number; examples: string[] }>;
  workerExitCodes: Array<number | null>;
  pgConnectionsPeak: { server: number; database: number };
  peakRssMiB: { requester: number; workers: Array<number | undefined>; engineServer?: number; services?: number };
  totalMs: number;
}

const MiB = (bytes: number | undefined) => (bytes === undefined ? undefined : round(bytes / 2 ** 20, 0));

/**
 * N workspaces with E events each; N pauses requested at once from this process, run by W worker
 * processes (with cold storage: each pause archives); every workspace checked; then N resumes, checked
 * again. Starts its own shared stack (Postgres, S3, engine server) in `dir`, and stops everything it
 * started, whatever happens.
 */
export async function runFleetTransitions(options: FleetRunOptions): Promise<FleetRunResult> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const fleet = await startFleetStack({ dir: options.dir, database: options.database });
  let app: FleetApp | undefined;
  let workers: WorkerProcess[] = [];
  let sampler: Awaited<ReturnType<typeof startSampler>> | undefined;
  try {
    app = await openFleetApp(fleet);
    sampler = await startSampler(fleet.postgresUrl);
    const engineVersion = (await app.ch.one<{ v: string }>('SELECT version() AS v')).v;

    log(`seeding ${options.workspaces} workspaces × ${options.eventsPerWorkspace} events…`);
    const seedStarted = performance.now();
    const ids = await seedWorkspaces(app.workspaces, app.ch, { count: options.workspaces, events: options.eventsPerWorkspace, months: options.months, namePrefix: `fleet-${process.pid}` });
    const seeded: Seeded = { hot: await hotRowDigests(app.ch, ids), stored: await hotStoredDigests(app.ch, ids) };
    const short = ids.filter((id) => seeded.hot.get(id)!.events.rows !== options.eventsPerWorkspace);
    if (short.length > 0) throw new Error(`${short.length} workspaces did not get their ${options.eventsPerWorkspace} seeded events (e.g. ${short[0]})`);
    const seedMs = performance.now() - seedStarted;

    log(`starting ${options.workers} workers (concurrency ${options.concurrency})…`);
    const workersStarted = performance.now();
    workers = await startWorkers(options.workers, { env: fleet.workerEnv, concurrency: options.concurrency });
    const workersReadyMs = performance.now() - workersStarted;

    const pause = await runRound('pause', app, ids, seeded, options, log, checkPaused);
    const reconcileAfterPause = await probeReconcile(fleet.workerEnv);
    log(`reconcile --dry-run: ${reconcileAfterPause.checked} workspaces checked in ${reconcileAfterPause.durationMs} ms, ${reconcileAfterPause.findings} findings`);
    const resume = await runRound('resume', app, ids, seeded, options, log, checkResumed);

    const workerPeaks = workers.map((w) => peakRssOf(w.pid));
    const engineServer = peakRssOf(fleet.pids.engineServer);
    const services = peakRssOf(fleet.pids.services);
    const workerExitCodes = await stopWorkers(workers);
    const workerLogProblems: FleetRunResult['workerLogProblems'] = {};
    for (const entry of workers.flatMap((w) => w.problems)) {
      const key = [entry.msg, entry.code, Array.isArray(entry.causes) ? entry.causes.join('+') : undefined].filter(Boolean).join(' ');
      const seen = (workerLogProblems[key] ??= { count: 0, examples: [] });
      seen.count += 1;
      if (seen.examples.length < 3) seen.examples.push(String(entry.error ?? entry.msg).slice(0, 600));
    }
    workers = [];
    const peaks = await sampler.stop();
    sampler = undefined;
    return {
      workspaces: options.workspaces, eventsPerWorkspace: options.eventsPerWorkspace, months: options.months,
      workers: options.workers, concurrency: options.concurrency, workerMode: 'processes', engineVersion,
      seedMs: Math.round(seedMs), workersReadyMs: Math.round(workersReadyMs), pause, reconcileAfterPause, resume,
      workerLogProblems, workerExitCodes,
      pgConnectionsPeak: peaks.pgConnections,
      peakRssMiB: { requester: MiB(peaks.rssBytes)!, workers: workerPeaks.map(MiB), engineServer: MiB(engineServer), services: MiB(services) },
      totalMs: Math.round(performance.now() - started),
    };
  } finally {
    await stopWorkers(workers, 'SIGKILL');
    await sampler?.stop();
    await app?.close().catch(() => undefined);
    await fleet.stop();
  }
}

async function runRound(
  transition: TransitionName, app: FleetApp, ids: string[], seeded: Seeded, options: FleetRunOptions,
  log: (m: string) => void, check: typeof checkPaused,
): Promise<RoundResult> {
  log(`${transition}: ${ids.length} requests at once…`);
  const requests = await requestAll(app.workspaces, ids, transition);
  log(`${transition}: ${requests.operations.size} operation ids in ${Math.round(requests.requestsMs)} ms; waiting for the workers…`);
  const opIds = [...requests.operations.values()];
  let logged = 0;
  const settled = await waitForOperations(app.db, opIds, options.roundTimeoutMs, (done) => {
    if (done - logged >= Math.max(10, opIds.length / 10)) log(`${transition}: ${(logged = done)} of ${opIds.length} completed`);
  });
  const completedMs = requests.requestsMs + settled.waitedMs;
  let settledMs: number | undefined;
  if (transition === 'pause') {
    const deletes = performance.now();
    await waitForHotDeletes(app.ch, options.roundTimeoutMs);
    settledMs = completedMs + (performance.now() - deletes);
  }
  const checkStarted = performance.now();
  const checks = await check(app.db, app.ch, seeded, requests.operations);
  const checkMs = performance.now() - checkStarted;
  const context: RoundContext = { app, workspaceIds: ids, seeded, operations: requests.operations };
  const lat = await latencies(app.db, requests);
  const jobs = await jobErrors(app.db, opIds);
  const rejectedByCode: Record<string, number> = {};
  for (const code of requests.rejected.values()) rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1;
  const failedChecks = checks.filter((c) => c.problems.length > 0).length;
  log(`${transition}: ${settled.completed} completed, ${settled.failed} failed in ${Math.round(completedMs)} ms; ${checks.length - failedChecks} of ${checks.length} workspaces pass every check`);
  const result: RoundResult = {
    transition,
    requestsMs: Math.round(requests.requestsMs),
    completedMs: Math.round(completedMs),
    ...(settledMs === undefined ? {} : { settledMs: Math.round(settledMs) }),
    checkMs: Math.round(checkMs),
    latencyMs: lat.length === 0 ? { p50: 0, p99: 0, max: 0, count: 0 } : { p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(...lat), count: lat.length },
    completed: settled.completed,
    failed: settled.failed,
    rejectedByCode,
    jobs: { retried: jobs.retriedJobs, failedByCode: jobs.failedByCode },
    checks,
  };
  await options.afterRound?.(result, context);
  return result;
}
