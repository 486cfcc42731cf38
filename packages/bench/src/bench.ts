#!/usr/bin/env node
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Command, InvalidArgumentError } from 'commander';
import { defaultDataRoot, repoRoot } from '@permafrost/dev-stack';
import { openBenchApp } from './app';
import { benchArchiveRestore } from './archive-restore';
import { benchDispatch } from './dispatch';
import { runFleet } from './fleet/run';
import { machine } from './machine';
import { round } from './stats';

const run = promisify(execFile);
const int = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

const program = new Command('permafrost-bench')
  .description('cold storage vs the engine floor and the naive approach, side by side in one run')
  .option('--events <n>', 'events in the measured workspace', int, 1_000_000)
  .option('--repeats <n>', 'rounds per ratio (median reported)', int, 3)
  .option('--memory-events <n>', 'the large restore of the memory comparison (default 5 × --events)', int)
  .option('--page-rows <n>', 'restore page size', int, 100_000)
  .option('--out <dir>', 'where the JSON goes', resolve(repoRoot, 'bench/results'))
  .option('--fleet <n>', 'fleet mode instead: N small workspaces archived, per-workspace costs at 10 and at N (fleet-<date>.json)', int)
  .option('--fleet-strategies <list>', 'fleet mode: strategies to run, comma-separated', 'table,parquet')
  .option('--fleet-events <n>', 'fleet mode: events per workspace', int, 48)
  .option('--fleet-months <n>', 'fleet mode: months per workspace', int, 24)
  .option('--fleet-probes <n>', 'fleet mode: workspaces archived and resumed one at a time at each point (median reported)', int, 5)
  .parse();

async function main() {
  const opts = program.opts<{
    events: number; repeats: number; memoryEvents?: number; pageRows: number; out: string;
    fleet?: number; fleetStrategies: string; fleetEvents: number; fleetMonths: number; fleetProbes: number;
  }>();
  const log = (m: string) => process.stderr.write(`${m}\n`);
  if (opts.fleet !== undefined) {
    if (opts.fleet < 20) program.error('error: --fleet must be at least 20 (the small point is 10 archived workspaces)');
    const verified = await runFleet({
      n: opts.fleet, strategies: opts.fleetStrategies.split(',').map((s) => s.trim()).filter(Boolean), perWorkspace: opts.fleetEvents,
      months: opts.fleetMonths, probes: opts.fleetProbes, batch: 10, pageRows: opts.pageRows, out: opts.out, log,
    });
    if (!verified) process.exitCode = 1;
    return;
  }
  const started = new Date();

  log(`hook dispatch: 20 no-op plugins…`);
  const dispatch = await benchDispatch();

  log(`archive/restore: ${opts.events} events × ${opts.repeats} rounds…`);
  const b = await openBenchApp(`bench-${process.pid}`, opts.pageRows);
  let engine = 'unknown';
  let ar;
  try {
    engine = (await b.ch.one<{ v: string }>('SELECT version() AS v')).v;
    ar = await benchArchiveRestore(b, opts.events, opts.repeats, log);
  } finally {
    await b.close();
    if (b.stack.modes.clickhouse === 'embedded') rmSync(b.stack.dataDir, { recursive: true, force: true });
  }

  const probe = resolve(__dirname, 'memory-probe.js');
  const memoryRun = async (events: number) => {
    const instance = `bench-memory-${events}-${process.pid}`;
    log(`memory: seeding and archiving ${events} events…`);
    await run(process.execPath, [probe, 'prepare', instance, String(events)], { maxBuffer: 1 << 20, env: process.env });
    log(`memory: restore of ${events} events in a fresh process…`);
    const { stdout } = await run(process.execPath, [probe, 'restore', instance, String(opts.pageRows)], { maxBuffer: 1 << 20, env: process.env });
    rmSync(join(defaultDataRoot, instance), { recursive: true, force: true });
    return { events, ...(JSON.parse(stdout.trim().split('\n').pop()!) as { peakRss: number; baselineRss: number; restoreMs: number; restoredRows: number }) };
  };
  const small = await memoryRun(opts.events);
  const large = await memoryRun(opts.memoryEvents ?? opts.events * 5);
  const memory = {
    pageRows: opts.pageRows,
    small: { events: small.events, peakRssMiB: round(small.peakRss / 2 ** 20, 0), baselineRssMiB: round(small.baselineRss / 2 ** 20, 0), restoreMs: round(small.restoreMs, 0) },
    large: { events: large.events, peakRssMiB: round(large.peakRss / 2 ** 20, 0), baselineRssMiB: round(large.baselineRss / 2 ** 20, 0), restoreMs: round(large.restoreMs, 0) },
    ratio: round(large.peakRss / small.peakRss),
  };
  const verified = ar.verified && small.restoredRows === small.events && large.restoredRows === large.events;

  const result = {
    startedAt: started.toISOString(),
    machine: machine(engine),
    events: opts.events,
    repeats: opts.repeats,
    archiveRatio: ar.archive.ratio,
    restoreRatio: ar.restore.ratio,
    naiveArchiveRatio: ar.archive.naiveRatio,
    memoryRatio: memory.ratio,
    dispatchUs: dispatch.medianUs,
    archive: ar.archive,
    restore: ar.restore,
    rounds: ar.rounds,
    memory,
    dispatch,
    verified,
    targets: { archiveRatio: 1.3, restoreRatio: 1.5, memoryRatio: 1.25, dispatchUs: 1000 },
  };
  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));

  const row = (name: string, value: string, target: string) => `${name.padEnd(38)}${value.padStart(14)}   ${target}`;
  process.stdout.write([
    `permafrost bench: ${opts.events} events, ${opts.repeats} rounds, ${result.machine.cpus} cpus (${result.machine.cpuModel}), ClickHouse ${engine}, Node ${process.version}`,
    row('archive floor (raw INSERT … SELECT)', `${ar.archive.floorMs} ms`, ''),
    row('archive naive (copy + async delete)', `${ar.archive.naiveMs} ms`, `${ar.archive.naiveRatio}× floor`),
    row('archive plugin (copy+verify+delete)', `${ar.archive.pluginMs} ms`, `${ar.archive.ratio}× floor (target ≤ 1.3)`),
    row('restore floor (raw INSERT … SELECT)', `${ar.restore.floorMs} ms`, ''),
    row('restore plugin (paged+verify+free)', `${ar.restore.pluginMs} ms`, `${ar.restore.ratio}× floor (target ≤ 1.5)`),
    row(`restore peak RSS, ${small.events} events`, `${memory.small.peakRssMiB} MiB`, ''),
    row(`restore peak RSS, ${large.events} events`, `${memory.large.peakRssMiB} MiB`, `${memory.ratio}× (target ≤ 1.25)`),
    row('hook dispatch, 20 no-op plugins', `${dispatch.medianUs} µs`, `baseline ${dispatch.baselineUs} µs (target < 1000)`),
    `verified: ${verified ? 'yes' : 'NO'}   results: ${file}`,
  ].join('\n') + '\n');
  if (!verified) process.exitCode = 1;
}

main().then(() => process.exit(process.exitCode ?? 0), (err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
