import { isDeepStrictEqual } from 'node:util';
import { rmSync } from 'node:fs';
import pLimit from 'p-limit';
import { seedFleetEvents, snapshotWorkspace, USER_EVENTS_TABLE, type WorkspaceSnapshot } from '@permafrost/backend-lib';
import { COLD_TABLE, type ArchiveReport, type ColdTableCapacity, type RestoreReport } from '@permafrost/plugin-cold-storage';
import type { TransitionResult } from '@permafrost/core';
import { openBenchApp, type BenchApp } from '../app';
import { median, round, timed } from '../stats';
import { compareStatements, StatementRecorder, type StatementCost, type StatementGrowth } from './statements';
import { storageFootprint } from './storage';

export interface FleetOptions {
  /** Archived workspaces at the large point. */
  n: number;
  strategy: string;
  perWorkspace: number;
  months: number;
  /** Workspaces archived, then resumed, one at a time at each point (medians reported). */
  probes: number;
  /** Workspaces per throughput measurement (one batch at concurrency 1, one at 2, at each point). */
  batch: number;
  pageRows: number;
  log: (message: string) => void;
}

/** Archived workspaces at the small point (the brief's "at 10"). */
const SMALL = 10;

interface PointResult {
  archived: number;
  archive: { medianMs: number; samplesMs: number[]; pluginMedianMs: number };
  resume: { medianMs: number; samplesMs: number[]; pluginMedianMs: number };
  throughput: { concurrency1PerS: number; concurrency2PerS: number };
  engineStartMs: number;
  statements: { archive: StatementCost[]; resume: StatementCost[] };
  probesExact: boolean;
}

export interface FleetStrategyResult {
  strategy: string;
  /** ClickHouse version the run used. */
  engine: string;
  perWorkspace: number;
  months: number;
  /** Measured with this many workspaces archived (the probes come and go on top of them). */
  small: Omit<PointResult, 'statements'>;
  large: Omit<PointResult, 'statements'>;
  /** Median archive transition per workspace at the large point / at the small point. */
  archiveRatio: number;
  /** Median resume (restore) transition of one workspace at the large point / at the small point. */
  resumeRatio: number;
  build: { workspaces: number; concurrency: number; elapsedMs: number; perSecond: number; p50Ms: number; p99Ms: number; p50ByHundredMs: number[] };
  storage: { workspaceMonths: number; objects: number; bytes: number; objectsPerWorkspaceMonth: number; bytesPerWorkspaceMonth: number; source: string } | undefined;
  capacity: ColdTableCapacity[];
  /** Every ClickHouse statement of one probe's archive and resume, at both points, costliest at N first. */
  statements: { archive: StatementGrowth[]; resume: StatementGrowth[] };
  verified: boolean;
}

const detail = <T>(result: TransitionResult, point: string) => result.outcomes.find((o) => o.plugin === 'cold-storage' && o.point === point)?.detail as unknown as T;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

/**
 * A fleet of small workspaces (perWorkspace events over `months` months each) archived with one strategy,
 * measured at SMALL and at `n` archived workspaces: the per-workspace archive and resume transitions
 * (median of the probes, each statement recorded), throughput at concurrency 1 and 2, engine start, and
 * what S3 holds per workspace-month. A fresh stack of its own, removed at the end.
 */
export async function benchFleetStrategy(opts: FleetOptions): Promise<FleetStrategyResult> {
  const instance = `fleet-${opts.strategy}-${process.pid}`;
  let b: BenchApp = await openBenchApp(instance, opts.pageRows, true, opts.strategy);
  let recorder = new StatementRecorder(b.ch);
  const { log } = opts;
  try {
    const engine = (await b.ch.one<{ v: string }>('SELECT version() AS v')).v;
    log(`${opts.strategy}: creating and seeding ${opts.n + opts.probes + 4 * opts.batch} workspaces…`);
    const create = async (label: string, count: number) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push((await b.workspaces.createWorkspace({ name: `fleet-${label}-${i}` })).id);
      return ids;
    };
    const fleet = await create('fleet', opts.n);
    const probes = await create('probe', opts.probes);
    const batches = await create('batch', 4 * opts.batch);
    // One INSERT … SELECT from numbers() for all of them: the seed's realistic rows, exactly `months` months each.
    await seedFleetEvents(b.ch, [...fleet, ...probes, ...batches], { perWorkspace: opts.perWorkspace, months: opts.months, seed: 17 });
    const probeSnapshots = new Map<string, WorkspaceSnapshot>();
    for (const id of probes) probeSnapshots.set(id, await snapshotWorkspace(b.ch, id));

    const archiveMany = async (ids: string[], concurrency: number, onDone?: (done: number, ms: number) => void) => {
      const limit = pLimit(concurrency);
      const durations: number[] = [];
      const started = performance.now();
      await Promise.all(ids.map((id) => limit(async () => {
        const { ms } = await timed(() => b.workspaces.pauseWorkspace(id));
        durations.push(ms);
        onDone?.(durations.length, ms);
      })));
      const elapsedMs = performance.now() - started;
      for (const id of ids) await b.coldStorage.settle(id);
      return { durations, elapsedMs };
    };

    const restartEngine = async () => {
      await b.close();
      const started = performance.now();
      b = await openBenchApp(instance, opts.pageRows, false, opts.strategy);
      // The first statement on the cold table answers once the engine has loaded it (tables load asynchronously).
      await b.ch.one(`SELECT count() AS n FROM ${COLD_TABLE}`);
      const ms = performance.now() - started;
      recorder = new StatementRecorder(b.ch);
      return ms;
    };

    const measure = async (label: string, batch: string[], archived: number): Promise<PointResult> => {
      log(`${opts.strategy} @${label}: archive and resume of ${opts.probes} probes, one at a time…`);
      const archives: Array<{ ms: number; plugin: number; statements: StatementCost[] }> = [];
      for (const id of probes) {
        const { value, statements } = await recorder.record(() => timed(() => b.workspaces.pauseWorkspace(id)));
        archives.push({ ms: value.ms, plugin: detail<ArchiveReport>(value.value, 'after:pause').durationMs, statements });
        await b.coldStorage.settle(id);
      }
      const resumes: Array<{ ms: number; plugin: number; statements: StatementCost[] }> = [];
      let probesExact = true;
      for (const id of probes) {
        const { value, statements } = await recorder.record(() => timed(() => b.workspaces.resumeWorkspace(id)));
        resumes.push({ ms: value.ms, plugin: detail<RestoreReport>(value.value, 'before:resume').durationMs, statements });
        probesExact &&= isDeepStrictEqual(await snapshotWorkspace(b.ch, id), probeSnapshots.get(id));
      }
      log(`${opts.strategy} @${label}: throughput, ${opts.batch} archives at concurrency 1, then ${opts.batch} at 2…`);
      const one = await archiveMany(batch.slice(0, opts.batch), 1);
      const two = await archiveMany(batch.slice(opts.batch), 2);
      log(`${opts.strategy} @${label}: engine restart…`);
      const engineStartMs = await restartEngine();
      const medianOf = (xs: typeof archives) => {
        const mid = [...xs].sort((a, c) => a.ms - c.ms)[Math.floor(xs.length / 2)]!;
        return { medianMs: round(median(xs.map((x) => x.ms)), 1), samplesMs: xs.map((x) => round(x.ms, 1)), pluginMedianMs: round(median(xs.map((x) => x.plugin)), 1), statements: mid.statements };
      };
      const a = medianOf(archives);
      const r = medianOf(resumes);
      return {
        archived,
        archive: { medianMs: a.medianMs, samplesMs: a.samplesMs, pluginMedianMs: a.pluginMedianMs },
        resume: { medianMs: r.medianMs, samplesMs: r.samplesMs, pluginMedianMs: r.pluginMedianMs },
        throughput: { concurrency1PerS: round(opts.batch / (one.elapsedMs / 1000)), concurrency2PerS: round(opts.batch / (two.elapsedMs / 1000)) },
        engineStartMs: round(engineStartMs, 0),
        statements: { archive: a.statements, resume: r.statements },
        probesExact,
      };
    };

    log(`${opts.strategy}: archiving the first ${SMALL} of the fleet…`);
    await archiveMany(fleet.slice(0, SMALL), 2);
    const small = await measure('small', batches.slice(0, 2 * opts.batch), SMALL);

    log(`${opts.strategy}: archiving the other ${opts.n - SMALL} of the fleet, 2 at a time…`);
    const chunk: number[] = [];
    const p50ByHundredMs: number[] = [];
    const build = await archiveMany(fleet.slice(SMALL), 2, (done, ms) => {
      chunk.push(ms);
      if (chunk.length === 100 || done === opts.n - SMALL) {
        p50ByHundredMs.push(round(median(chunk), 0));
        log(`${opts.strategy}: ${SMALL + done}/${opts.n} archived, p50 of the last ${chunk.length}: ${round(median(chunk), 0)} ms`);
        chunk.length = 0;
      }
    });
    const large = await measure('large', batches.slice(2 * opts.batch), opts.n + 2 * opts.batch);

    const archivedIds = [...fleet, ...batches];
    const footprint = await storageFootprint(b.stack, b.ch, opts.strategy === 'table' ? 'disk' : 'parquet');
    const workspaceMonths = archivedIds.length * opts.months;
    const verified = small.probesExact && large.probesExact && (await fleetExact(b, opts, archivedIds));
    const strip = ({ statements: _statements, ...rest }: PointResult) => rest;
    return {
      strategy: opts.strategy, engine, perWorkspace: opts.perWorkspace, months: opts.months,
      small: strip(small), large: strip(large),
      archiveRatio: round(large.archive.medianMs / small.archive.medianMs),
      resumeRatio: round(large.resume.medianMs / small.resume.medianMs),
      build: {
        workspaces: build.durations.length, concurrency: 2, elapsedMs: round(build.elapsedMs, 0), perSecond: round(build.durations.length / (build.elapsedMs / 1000)),
        p50Ms: round(percentile(build.durations, 50), 0), p99Ms: round(percentile(build.durations, 99), 0), p50ByHundredMs,
      },
      storage: footprint && {
        workspaceMonths, objects: footprint.objects, bytes: footprint.bytes, source: footprint.source,
        objectsPerWorkspaceMonth: round(footprint.objects / workspaceMonths), bytesPerWorkspaceMonth: round(footprint.bytes / workspaceMonths, 0),
      },
      capacity: await b.coldStorage.coldCapacity(),
      statements: { archive: compareStatements(small.statements.archive, large.statements.archive), resume: compareStatements(small.statements.resume, large.statements.resume) },
      verified,
    };
  } finally {
    await b.close();
    if (b.stack.modes.clickhouse === 'embedded') rmSync(b.stack.dataDir, { recursive: true, force: true });
  }
}

/** Every archived workspace's events are cold, once, and none is hot. */
async function fleetExact(b: BenchApp, opts: FleetOptions, ids: string[]): Promise<boolean> {
  const hot = await b.ch.one<{ n: string }>(`SELECT count() AS n FROM ${USER_EVENTS_TABLE} WHERE workspace_id IN {ids:Array(String)}`, { ids });
  if (Number(hot.n) !== 0) return false;
  if (opts.strategy === 'table') {
    const cold = await b.ch.one<{ n: string }>(`SELECT count() AS n FROM ${COLD_TABLE} WHERE workspace_id IN {ids:Array(String)}`, { ids });
    return Number(cold.n) === ids.length * opts.perWorkspace;
  }
  // Parquet files are read per workspace prefix: a sample, spread over the fleet.
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 20)) === 0);
  for (const id of sample) if ((await b.coldStorage.plan(id)).cold.rows !== opts.perWorkspace) return false;
  return true;
}
