import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import { DataSource } from 'typeorm';
import { ClickHouse, generateEvents, insertUserEvents } from '@permafrost/backend-lib';
import { startTestApp, type TestApp } from '@permafrost/backend-lib/testing';
import { repoRoot, spawnEngineServer, type EngineServerProcess } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir } from '@permafrost/dev-stack/testing';

// Integration: `permafrost worker` processes (real processes, compiled CLI) on one pg-boss queue in the
// test file's Postgres, sharing one ClickHouse engine through the engine server (chDB binds a data
// directory to one process). Requests come from this process's app. A recording plugin loaded into the
// workers writes each before:pause idempotency key to a table with a unique key.
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const recorder = resolve(repoRoot, 'packages/cli/test-fixtures/recorder-plugin.js');
const JOB_ENV = { PERMAFROST_JOB_EXPIRE_SECONDS: '3', PERMAFROST_JOB_RETRY_DELAY_SECONDS: '1', PERMAFROST_JOB_MAINTENANCE_SECONDS: '1' };

interface Worker { child: ChildProcess; pid: number; exited: Promise<number | null> }

describe('permafrost worker and reconcile', () => {
  let t: TestApp;
  let engine: EngineServerProcess;
  let env: NodeJS.ProcessEnv;
  const workers: Worker[] = [];
  const ds = () => t.app.resolve(DataSource);

  const startWorker = (extra: NodeJS.ProcessEnv = {}): Promise<Worker> => new Promise((ready, fail) => {
    const child = spawn(process.execPath, [bin, '--json', 'worker', '--concurrency', '2', '--plugin', recorder, '--reconcile-cron', 'off'], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('"ready":true')) {
        const w = { child, pid: child.pid!, exited };
        workers.push(w);
        ready(w);
      }
    });
    void exited.then((code) => fail(new Error(`worker exited (${code}) before ready: ${err}`)));
  });
  const stopWorker = async (w: Worker) => {
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    workers.splice(workers.indexOf(w), 1);
  };
  const workspaces = async (n: number, prefix: string) => {
    const rows = await ds().query(`INSERT INTO workspace (name) SELECT $1 || g FROM generate_series(1, $2::int) g RETURNING id`, [prefix, n]);
    return rows.map((r: { id: string }) => r.id as string);
  };
  const untilCompleted = async (ops: string[], timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ n }] = await ds().query(`SELECT count(*)::int AS n FROM workspace_transition WHERE id = ANY($1::uuid[]) AND state = 'completed'`, [ops]);
      if (n === ops.length) return;
      if (Date.now() > deadline) throw new Error(`${n} of ${ops.length} transitions completed`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    buildProject('packages/cli');
    t = await startTestApp({ jobs: { expireInSeconds: 3, retryDelaySeconds: 1, maintenanceIntervalSeconds: 1 } });
    engine = await spawnEngineServer({ dataPath: testTempDir('fleet-engine'), s3: t.stack.s3, s3RetryAttempts: 3 });
    env = { ...process.env, ...JOB_ENV, DATABASE_URL: t.stack.postgresUrl, PERMAFROST_CLICKHOUSE_URL: engine.url, PERMAFROST_DATA_DIR: testTempDir('fleet'), NO_COLOR: '1' };
    await ds().query(`CREATE TABLE hook_execution (idempotency_key text PRIMARY KEY, pid int NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
    await t.workspaces.requestTransition((await workspaces(1, 'warmup-'))[0]!, 'pause'); // creates the queues with the settings above
  }, 180_000);

  afterEach(async () => { // a failed test must not leave its workers to take the next test's jobs
    for (const w of workers.splice(0)) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  });

  afterAll(async () => {
    await engine?.stop();
    await t?.stop();
  });

  it('two workers split the work and nothing runs twice', async () => {
    const [a, b] = await Promise.all([startWorker({ RECORDER_SLOW_MS: '150' }), startWorker({ RECORDER_SLOW_MS: '150' })]);
    const ids = await workspaces(30, 'split-');
    const started = Date.now();
    const ops = await Promise.all(ids.map((id: string) => t.workspaces.requestTransition(id, 'pause')));
    await untilCompleted(ops);
    const byWorker: Array<{ pid: number; n: number }> = await ds().query(
      `SELECT pid, count(*)::int AS n FROM hook_execution WHERE split_part(idempotency_key, '/', 1) = ANY($1::text[]) GROUP BY pid`, [ops]);
    process.stderr.write(`30 pauses over 2 workers in ${Date.now() - started} ms: ${JSON.stringify(byWorker)}\n`);
    expect(byWorker.map((r) => r.pid).sort()).toEqual([a!.pid, b!.pid].sort());
    expect(byWorker.reduce((n, r) => n + r.n, 0)).toBe(30); // one execution per transition (the key is unique)
    expect(await ds().query(`SELECT count(*)::int AS n FROM workspace_transition WHERE id = ANY($1::uuid[]) AND attempt = 1`, [ops])).toEqual([{ n: 30 }]);
    expect(await ds().query(`SELECT count(*)::int AS n FROM workspace WHERE id = ANY($1::uuid[]) AND status = 'Paused'`, [ids])).toEqual([{ n: 30 }]);
    await Promise.all([stopWorker(a!), stopWorker(b!)]);
  }, 180_000);

  it('a worker SIGKILLed mid-job: another finishes the transition once the job expires', async () => {
    const slow = await startWorker({ RECORDER_SLOW_MS: '60000' });
    const [ws] = await workspaces(1, 'killed-');
    const op = await t.workspaces.requestTransition(ws!, 'pause');
    for (;;) { // the slow worker is inside before:pause
      const [r] = await ds().query(`SELECT state, phase FROM workspace_transition WHERE id = $1`, [op]);
      if (r.state === 'running' && r.phase === 'before') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    slow.child.kill('SIGKILL');
    await slow.exited;
    workers.splice(workers.indexOf(slow), 1);
    const killedAt = Date.now();
    const rescuer = await startWorker();
    const result = await t.workspaces.waitFor(op, { timeoutMs: 60_000 });
    process.stderr.write(`killed worker's job finished by another ${Date.now() - killedAt} ms after the kill\n`);
    expect(result).toMatchObject({ state: 'completed', attempt: 2, to: 'Paused' });
    expect(await ds().query(`SELECT pid FROM hook_execution WHERE split_part(idempotency_key, '/', 1) = $1`, [op])).toEqual([{ pid: rescuer.pid }]);
    await stopWorker(rescuer);
  }, 180_000);

  it('pause --async and wait; reconcile: late events written straight into ClickHouse end up cold, a stuck transition is finished', async () => {
    const worker = await startWorker();
    const [ws] = await workspaces(1, 'late-');
    const queued = JSON.parse((await runNode(bin, ['--json', 'pause', ws!, '--async'], env)).stdout).data;
    expect(queued).toMatchObject({ workspaceId: ws, transition: 'pause', state: 'queued' });
    const waited = await runNode(bin, ['--json', 'wait', queued.operationId, '--timeout', '60'], env);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout).data).toMatchObject({ operationId: queued.operationId, state: 'completed', to: 'Paused' });
    const client = createClient({ url: engine.url });
    const ch = new ClickHouse(client);
    await insertUserEvents(ch, ws!, [...generateEvents({ count: 200, months: 3 })]);
    const plan = async () => JSON.parse((await runNode(bin, ['--json', 'plan', ws!], env)).stdout).data;
    expect((await plan()).hot.rows).toBe(200);

    const dry = await runNode(bin, ['--json', 'reconcile', '--dry-run'], env);
    expect(JSON.parse(dry.stdout).data.findings).toEqual([expect.objectContaining({ workspaceId: ws, problem: 'hot-events-while-inactive', enqueued: false })]);
    const real = await runNode(bin, ['--json', 'reconcile'], env);
    expect(JSON.parse(real.stdout).data.findings).toEqual([expect.objectContaining({ workspaceId: ws, fix: 'archive-late', enqueued: true })]);
    const deadline = Date.now() + 90_000;
    let last;
    do {
      await new Promise((r) => setTimeout(r, 500));
      last = await plan();
    } while ((last.hot.rows !== 0 || last.cold.rows !== 200) && Date.now() < deadline);
    expect({ hot: last.hot.rows, cold: last.cold.rows }).toEqual({ hot: 0, cold: 200 });
    expect(JSON.parse((await runNode(bin, ['--json', 'reconcile', '--dry-run'], env)).stdout).data.findings).toEqual([]);
    await client.close();

    // A synchronous pause whose process died after the commit, before its after: hooks (no job exists).
    const [stuckWs] = await workspaces(1, 'stuck-');
    const [{ id: stuckOp }] = await ds().query(
      `INSERT INTO workspace_transition (id, workspace_id, transition, from_status, to_status, state, phase, attempt, started_at)
       VALUES (gen_random_uuid(), $1, 'pause', 'Active', 'Paused', 'running', 'after', 1, now()) RETURNING id`, [stuckWs]);
    await ds().query(`UPDATE workspace SET status = 'Paused' WHERE id = $1`, [stuckWs]);
    const fixed = JSON.parse((await runNode(bin, ['--json', 'reconcile'], env)).stdout).data;
    expect(fixed.findings).toEqual([expect.objectContaining({ workspaceId: stuckWs, problem: 'stuck-transition', fix: 'retry-transition', enqueued: true })]);
    expect(await t.workspaces.waitFor(stuckOp, { timeoutMs: 60_000 })).toMatchObject({ state: 'completed', attempt: 2 });
    expect(await ds().query(`SELECT count(*)::int AS n FROM hook_execution WHERE split_part(idempotency_key, '/', 1) = $1`, [stuckOp])).toEqual([{ n: 0 }]); // before: is not run again
    await stopWorker(worker);
  }, 240_000);
});
