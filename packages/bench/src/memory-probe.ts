import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { seedEvents } from '@permafrost/backend-lib';
import { openBenchApp } from './app';

/**
 * One restore of `events` events in a fresh process, sampling the process's RSS (the engine runs
 * in-process, so ClickHouse's memory is in it). Prints one JSON line.
 */
async function main() {
  const events = Number(process.argv[2]);
  const pageRows = Number(process.argv[3]);
  const b = await openBenchApp(`bench-memory-${events}-${randomBytes(3).toString('hex')}`, pageRows);
  try {
    const ws = (await b.workspaces.createWorkspace({ name: `memory-${events}` })).id;
    for (let offset = 0; offset < events; offset += 1_000_000) {
      await seedEvents(b.ch, ws, { count: Math.min(1_000_000, events - offset), offset, seed: 5, users: Math.floor(events / 20) });
    }
    await b.coldStorage.sendWorkspaceEventsToColdStorage(ws);
    await b.coldStorage.settle(ws);
    global.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const report = await b.coldStorage.restoreWorkspaceEventsFromColdStorage(ws);
    const restoreMs = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    process.stdout.write(`${JSON.stringify({ events, pageRows, restoredRows: report.rows, baselineRss, peakRss, restoreMs })}\n`);
  } finally {
    await b.close();
    await import('node:fs').then((fs) => fs.rmSync(b.stack.dataDir, { recursive: true, force: true }));
  }
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
