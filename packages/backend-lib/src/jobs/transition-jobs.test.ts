import { DataSource } from 'typeorm';
import { definePlugin, TransitionExecutor } from '@permafrost/core/plugin';
import { startTestApp, type TestApp } from '../testing';
import { WorkspaceTable } from '../workspace-table';
import { TRANSITION_JOBS, type TransitionJobs } from './transition-jobs';
import { TransitionRequests } from './transition-requests';
import { transitionJobHandler } from './transition-worker';

// Integration (real Postgres, pg-boss in it): asynchronous transitions with an in-process worker; the
// lifecycle here is the data layer plus a recording plugin (no cold storage), so the 1,000-request case
// measures the queue, not archives.
const VETOED_NAME = 'refuse-me';
const afterPauseKeys: string[] = [];
/** before:pause fails this many more times for a workspace named `flaky-<n>` / always for `broken`. */
const failuresLeft = new Map<string, number>();
const recorder = definePlugin({
  name: 'recorder',
  dependsOn: ['data-layer'],
  init({ emitter, container }) {
    emitter.tap('check:pause', async (p) => {
      const [ws] = await container.resolve(DataSource).query(`SELECT name FROM workspace WHERE id = $1`, [p.workspaceId]);
      if (ws?.name === VETOED_NAME) throw new Error('this workspace may not be paused');
    });
    emitter.tap('before:pause', async (p) => {
      const [ws] = await container.resolve(DataSource).query(`SELECT name FROM workspace WHERE id = $1`, [p.workspaceId]);
      if (ws?.name === 'broken') throw new Error('broken for good');
      const left = failuresLeft.get(ws?.name) ?? 0;
      if (left > 0) {
        failuresLeft.set(ws.name, left - 1);
        throw new Error('flaky: try again');
      }
    });
    emitter.tap('after:pause', (p) => void afterPauseKeys.push(p.idempotencyKey));
  },
});

describe('requestTransition on pg-boss', () => {
  let t: TestApp;
  let jobs: TransitionJobs;
  let stopWorker: (() => Promise<void>) | undefined;
  const ds = () => t.app.resolve(DataSource);
  const startWorker = async (concurrency: number) => {
    stopWorker = await jobs.work(transitionJobHandler(t.app.resolve(TransitionExecutor)), { concurrency });
  };

  beforeAll(async () => {
    t = await startTestApp({ plugins: [recorder], jobs: { retryLimit: 1, retryDelaySeconds: 1, maintenanceIntervalSeconds: 1 } });
    jobs = t.app.resolve<TransitionJobs>(TRANSITION_JOBS);
    await jobs.liveWorkspaces(); // starts pg-boss (lazy), so its tables exist for the assertions below
  });
  afterEach(async () => {
    await stopWorker?.();
    stopWorker = undefined;
  });
  afterAll(async () => t?.stop());

  it('a veto answers at once and records nothing, no job either', async () => {
    const ws = await t.workspaces.createWorkspace({ name: VETOED_NAME });
    await expect(t.workspaces.requestTransition(ws.id, 'pause')).rejects.toMatchObject({ code: 'TRANSITION_VETOED' });
    expect(await ds().query(`SELECT count(*)::int AS n FROM workspace_transition WHERE workspace_id = $1`, [ws.id])).toEqual([{ n: 0 }]);
    expect(await ds().query(`SELECT count(*)::int AS n FROM pgboss.job WHERE singleton_key = $1`, [ws.id])).toEqual([{ n: 0 }]);
    expect((await t.workspaces.getWorkspace(ws.id)).status).toBe('Active');
  });

  it('queued: record and job together, status unchanged, others wait; a worker finishes it once', async () => {
    const ws = await t.workspaces.createWorkspace({ name: 'queued-one' });
    const op = await t.workspaces.requestTransition(ws.id, 'pause');
    const [record] = await ds().query(`SELECT state, phase FROM workspace_transition WHERE id = $1`, [op]);
    expect(record).toEqual({ state: 'queued', phase: 'before' });
    expect(await ds().query(`SELECT state FROM pgboss.job WHERE id = $1`, [op])).toEqual([{ state: 'created' }]);
    expect((await t.workspaces.getWorkspace(ws.id)).status).toBe('Active');
    await expect(t.workspaces.requestTransition(ws.id, 'pause')).rejects.toMatchObject({ code: 'TRANSITION_IN_PROGRESS' });
    await expect(t.workspaces.pauseWorkspace(ws.id)).rejects.toMatchObject({ code: 'TRANSITION_IN_PROGRESS' });
    await expect(t.workspaces.waitFor(op, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'OPERATION_TIMEOUT', operationId: op });

    await startWorker(2);
    expect(await t.workspaces.waitFor(op, { timeoutMs: 30_000 })).toMatchObject({ operationId: op, state: 'completed', from: 'Active', to: 'Paused', attempt: 1 });
    expect((await t.workspaces.getWorkspace(ws.id)).status).toBe('Paused');
    expect(afterPauseKeys.filter((k) => k.startsWith(op))).toHaveLength(1);
    // Idempotent: the same job run again finds the record completed and runs nothing.
    await expect(transitionJobHandler(t.app.resolve(TransitionExecutor))({ transitionId: op, workspaceId: ws.id, transition: 'pause' }))
      .resolves.toMatchObject({ ran: false });
    expect(afterPauseKeys.filter((k) => k.startsWith(op))).toHaveLength(1);
  });

  it('record and job commit together: a failure after the job was written leaves neither', async () => {
    const ws = await t.workspaces.createWorkspace({ name: 'atomic' });
    const failing = {
      enqueue: async (tx, job) => {
        await jobs.enqueue(tx, job); // the job row is written in the request's transaction…
        throw new Error('crashed after enqueue'); // …which then fails
      },
    } as Pick<TransitionJobs, 'enqueue'> as TransitionJobs;
    const requests = new TransitionRequests(ds(), t.app.resolve(TransitionExecutor), failing, t.app.resolve(WorkspaceTable));
    await expect(requests.request(ws.id, 'pause')).rejects.toThrow('crashed after enqueue');
    expect(await ds().query(`SELECT count(*)::int AS n FROM workspace_transition WHERE workspace_id = $1`, [ws.id])).toEqual([{ n: 0 }]);
    expect(await ds().query(`SELECT count(*)::int AS n FROM pgboss.job WHERE singleton_key = $1`, [ws.id])).toEqual([{ n: 0 }]);
    expect(await t.workspaces.requestTransition(ws.id, 'pause')).toEqual(expect.any(String)); // nothing left behind blocks it
  });

  it('a queued transition whose status moved meanwhile ends failed, without retries', async () => {
    const ws = await t.workspaces.createWorkspace({ name: 'moved-on' });
    const op = await t.workspaces.requestTransition(ws.id, 'tombstone');
    await ds().query(`UPDATE workspace SET status = 'Paused' WHERE id = $1`, [ws.id]); // a writer outside Permafrost
    await startWorker(1);
    const result = await t.workspaces.waitFor(op, { timeoutMs: 30_000 });
    expect(result).toMatchObject({ state: 'failed' });
    expect(result.error).toMatch(/no longer Active/);
  });

  it('a failing hook is retried by the queue (with backoff) and the transition finishes', async () => {
    const ws = await t.workspaces.createWorkspace({ name: 'flaky-1' });
    failuresLeft.set('flaky-1', 1);
    await startWorker(1);
    const op = await t.workspaces.requestTransition(ws.id, 'pause');
    expect(await t.workspaces.waitFor(op, { timeoutMs: 30_000 })).toMatchObject({ state: 'completed', attempt: 2 });
  });

  it('a job that exhausts its retries ends failed and goes to the dead-letter queue', async () => {
    const ws = await t.workspaces.createWorkspace({ name: 'broken' });
    await startWorker(1);
    const op = await t.workspaces.requestTransition(ws.id, 'pause');
    const result = await t.workspaces.waitFor(op, { timeoutMs: 30_000 });
    expect(result).toMatchObject({ state: 'failed', attempt: 2 });
    expect(result.error).toMatch(/broken for good/);
    expect(await ds().query(`SELECT state FROM pgboss.job WHERE id = $1`, [op])).toEqual([{ state: 'failed' }]);
    expect(await ds().query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'permafrost-transitions-dead' AND data->>'transitionId' = $1`, [op])).toEqual([{ n: 1 }]);
    expect((await t.workspaces.getWorkspace(ws.id)).status).toBe('Active');
  });

  it('1,000 concurrent requests on 1,000 workspaces: all ids, no pool timeout; a worker finishes them all', async () => {
    const ids: string[] = (await ds().query(
      `INSERT INTO workspace (name) SELECT 'bulk-' || g FROM generate_series(1, 1000) g RETURNING id`)).map((r: { id: string }) => r.id);
    const started = performance.now();
    const ops = await Promise.all(ids.map((id) => t.workspaces.requestTransition(id, 'pause')));
    const idsMs = performance.now() - started;
    expect(new Set(ops).size).toBe(1000);
    await startWorker(8);
    for (;;) {
      const [{ n }] = await ds().query(`SELECT count(*)::int AS n FROM workspace_transition WHERE id = ANY($1::uuid[]) AND state = 'completed'`, [ops]);
      if (n === 1000) break;
      if (performance.now() - started > 240_000) throw new Error(`only ${n} of 1000 finished`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const doneMs = performance.now() - started;
    expect(await ds().query(`SELECT count(*)::int AS n FROM workspace WHERE id = ANY($1::uuid[]) AND status = 'Paused'`, [ids])).toEqual([{ n: 1000 }]);
    expect(await ds().query(`SELECT count(*)::int AS n FROM workspace_transition WHERE id = ANY($1::uuid[]) AND attempt = 1`, [ops])).toEqual([{ n: 1000 }]);
    expect(new Set(afterPauseKeys.filter((k) => ops.includes(k.split('/')[0]!))).size).toBe(1000);
    process.stderr.write(`1,000 requests: all operation ids in ${Math.round(idsMs)} ms; all finished in ${Math.round(doneMs)} ms\n`);
  }, 300_000);
});
