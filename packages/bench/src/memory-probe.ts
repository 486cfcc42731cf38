import 'reflect-metadata';
import { seedEvents } from '@permafrost/backend-lib';
import { openBenchApp } from './app';

/**
 * Memory of a restore alone. `prepare <instance> <events>` seeds and archives in one process and exits;
 * `restore <instance> <pageRows>` opens the same instance in a fresh process and restores while sampling
 * RSS (the engine runs in-process, so ClickHouse's memory is in it), so seeding and archiving leave no
 * trace in the figure. Prints one JSON line.
 */
async function main() {
  const [phase, instance, arg] = process.argv.slice(2) as [string, string, string];
  const b = await openBenchApp(instance, phase === 'restore' ? Number(arg) : undefined, phase === 'prepare');
  try {
    if (phase === 'prepare') {
      const events = Number(arg);
      const ws = (await b.workspaces.createWorkspace({ name: `memory-${events}` })).id;
      for (let offset = 0; offset < events; offset += 1_000_000) {
        await seedEvents(b.ch, ws, { count: Math.min(1_000_000, events - offset), offset, seed: 5, users: Math.floor(events / 20) });
      }
      await b.coldStorage.sendWorkspaceEventsToColdStorage(ws);
      await b.coldStorage.settle(ws);
      process.stdout.write(`${JSON.stringify({ workspaceId: ws, events })}\n`);
      return;
    }
    const [ws] = (await b.workspaces.listWorkspaces()).map((w) => w.id);
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const report = await b.coldStorage.restoreWorkspaceEventsFromColdStorage(ws!);
    const restoreMs = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    process.stdout.write(`${JSON.stringify({ restoredRows: report.rows, baselineRss, peakRss, restoreMs })}\n`);
  } finally {
    await b.close();
  }
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
