import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from '../machine';
import { benchFleetStrategy, type FleetOptions, type FleetStrategyResult } from './index';

/** Targets at N = 1,000: a workspace's archive and resume cost what they cost in a small fleet (±20 %). */
export const FLEET_TARGETS = { archiveRatio: 1.2, resumeRatio: 1.2 };

export interface FleetRunOptions extends Omit<FleetOptions, 'strategy'> {
  strategies: string[];
  out: string;
}

/**
 * `npm run bench -- --fleet N`: each strategy in a fresh stack of its own, one after the other; the JSON
 * (under a `fleet` key) goes to `<out>/fleet-<date>.json` and a summary to stdout. Exits non-zero only
 * when a run or a verification fails: targets missed are reported, not failed.
 */
export async function runFleet(opts: FleetRunOptions): Promise<boolean> {
  const started = new Date();
  const results: Record<string, FleetStrategyResult> = {};
  for (const strategy of opts.strategies) results[strategy] = await benchFleetStrategy({ ...opts, strategy });
  const fleet = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machine(Object.values(results)[0]?.engine ?? 'unknown'),
    n: opts.n, perWorkspace: opts.perWorkspace, months: opts.months, probes: opts.probes, batch: opts.batch,
    targets: FLEET_TARGETS,
    ...results,
  };
  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `fleet-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ fleet }, null, 2));
  const verified = Object.values(results).every((r) => r.verified);
  process.stdout.write(summary(opts, Object.values(results)) + `\nverified: ${verified ? 'yes' : 'NO'}   results: ${file}\n`);
  return verified;
}

function summary(opts: FleetRunOptions, results: FleetStrategyResult[]): string {
  const row = (name: string, ...cells: string[]) => name.padEnd(44) + cells.map((c) => c.padStart(16)).join('');
  const lines = [`permafrost fleet bench: ${opts.n} workspaces × ${opts.perWorkspace} events over ${opts.months} months, ${opts.probes} probes per point`];
  for (const r of results) {
    lines.push(
      '',
      row(`${r.strategy} strategy`, `at ${r.small.archived}`, `at ${r.large.archived}`, 'ratio'),
      row('archive, one workspace (median)', `${r.small.archive.medianMs} ms`, `${r.large.archive.medianMs} ms`, `${r.archiveRatio} (≤ ${FLEET_TARGETS.archiveRatio})`),
      row('resume, one workspace (median)', `${r.small.resume.medianMs} ms`, `${r.large.resume.medianMs} ms`, `${r.resumeRatio} (≤ ${FLEET_TARGETS.resumeRatio})`),
      row('throughput, concurrency 1', `${r.small.throughput.concurrency1PerS}/s`, `${r.large.throughput.concurrency1PerS}/s`, ''),
      row('throughput, concurrency 2', `${r.small.throughput.concurrency2PerS}/s`, `${r.large.throughput.concurrency2PerS}/s`, ''),
      row('engine start', `${r.small.engineStartMs} ms`, `${r.large.engineStartMs} ms`, ''),
      row(`fleet build (${r.build.workspaces} archives, 2 at a time)`, `p50 ${r.build.p50Ms} ms`, `p99 ${r.build.p99Ms} ms`, `${r.build.perSecond}/s`),
      r.storage
        ? row('S3 per workspace-month', `${r.storage.objectsPerWorkspaceMonth} objects`, `${r.storage.bytesPerWorkspaceMonth} B`, '')
        : row('S3 per workspace-month', 'not counted', '', ''),
    );
  }
  return lines.join('\n');
}
