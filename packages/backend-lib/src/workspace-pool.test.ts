import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './testing';

// Integration (real Postgres): synchronous transitions from one process never exhaust the data layer's
// pool of 20 (each holds one connection for its lock and needs another for its statements).
describe('synchronous transitions and the connection pool', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => t?.stop());

  it('40 pauses at once from one process all succeed', async () => {
    const ids: string[] = (await t.app.resolve(DataSource).query(
      `INSERT INTO workspace (name) SELECT 'pool-' || g FROM generate_series(1, 40) g RETURNING id`)).map((r: { id: string }) => r.id);
    const started = performance.now();
    const results = await Promise.allSettled(ids.map((id) => t.workspaces.pauseWorkspace(id)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => `${r.reason?.code}: ${r.reason?.message}`);
    expect(failed).toEqual([]);
    process.stderr.write(`40 synchronous pauses at once: ${Math.round(performance.now() - started)} ms\n`);
  }, 120_000);
});
