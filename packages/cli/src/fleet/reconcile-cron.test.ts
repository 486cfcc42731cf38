import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { DataSource } from 'typeorm';
import { ClickHouse, USER_EVENTS_TABLE } from '@permafrost/backend-lib';
import { startTestApp, type TestApp } from '@permafrost/backend-lib/testing';
import { repoRoot, spawnEngineServer, type EngineServerProcess } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir } from '@permafrost/dev-stack/testing';
import { COLD_TABLE } from '@permafrost/plugin-cold-storage';
import { MAINTENANCE_QUEUE, RECONCILE_QUEUE } from './maintenance-jobs';

// Integration: a real `permafrost worker` process (compiled CLI) with its reconcile cron on, against the
// shared engine (engine server) and this test file's Postgres. Nobody runs reconcile by hand: the only
// way the late events can go cold is the worker's schedule → pg-boss's timekeeper → a job on the
// reconcile queue → reconcile → an archive-late job → the worker. pg-boss fires a cron job whose last
// due time is under a minute old, so with an every-minute schedule and a 1 s cron poll
// (PERMAFROST_JOB_CRON_POLL_SECONDS) the first run comes seconds after the worker starts, not a minute.
// What this does not prove: the spacing of runs of a coarser schedule (cron-parser's job in pg-boss).
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const SEND_IT = '__pgboss__send-it'; // pg-boss's own queue: its timekeeper puts due cron jobs there

describe('the reconcile cron of permafrost worker', () => {
  let t: TestApp;
  let engine: EngineServerProcess;
  let client: ClickHouseClient;
  let ch: ClickHouse;
  let env: NodeJS.ProcessEnv;
  let worker: ChildProcess | undefined;
  const ds = () => t.app.resolve(DataSource);

  const cli = async (...args: string[]) => {
    const r = await runNode(bin, ['--json', ...args], env);
    if (r.code !== 0) throw new Error(`permafrost ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout).data; // the envelope's data
  };
  const startWorker = (cron: string): Promise<ChildProcess> => new Promise((ready, fail) => {
    const child = spawn(process.execPath, [bin, '--json', 'worker', '--concurrency', '1', '--reconcile-cron', cron], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('"ready":true')) ready(child);
    });
    child.on('exit', (code) => fail(new Error(`worker exited (${code}) before ready: ${err}`)));
  });
  const stopWorker = async () => {
    if (!worker) return;
    const exited = new Promise((done) => worker!.once('exit', done));
    worker.kill('SIGTERM');
    await exited;
    worker = undefined;
  };
  const counts = async (ws: string) => {
    const row = await ch.one<{ hot: string; cold: string }>(
      `SELECT (SELECT count() FROM ${USER_EVENTS_TABLE} WHERE workspace_id = {ws:String}) AS hot, (SELECT count() FROM ${COLD_TABLE} WHERE workspace_id = {ws:String}) AS cold`,
      { ws });
    return { hot: Number(row.hot), cold: Number(row.cold) };
  };

  beforeAll(async () => {
    buildProject('packages/cli');
    t = await startTestApp();
    engine = await spawnEngineServer({ dataPath: testTempDir('cron-engine'), s3: t.stack.s3, s3RetryAttempts: 3 });
    client = createClient({ url: engine.url });
    ch = new ClickHouse(client);
    env = {
      ...process.env, DATABASE_URL: t.stack.postgresUrl, PERMAFROST_CLICKHOUSE_URL: engine.url, PERMAFROST_DATA_DIR: testTempDir('cron'), NO_COLOR: '1',
      PERMAFROST_JOB_CRON_POLL_SECONDS: '1', PERMAFROST_JOB_MAINTENANCE_SECONDS: '1',
    };
  }, 180_000);

  afterEach(async () => {
    if (worker) worker.kill('SIGKILL');
    worker = undefined;
  });

  afterAll(async () => {
    await client?.close();
    await engine?.stop();
    await t?.stop();
  });

  it('a worker schedules reconcile; the cron archives a paused workspace\'s late events with no reconcile run by hand', async () => {
    const ws = (await t.workspaces.createWorkspace({ name: 'cron-late' })).id;
    await cli('seed', '--events', '300', '--months', '3', '--workspace', ws);
    expect(await cli('pause', ws)).toMatchObject({ to: 'Paused' });
    expect(await counts(ws)).toEqual({ hot: 0, cold: 300 });
    await cli('seed', '--events', '120', '--months', '3', '--workspace', ws); // a writer that missed the pause
    expect(await counts(ws)).toEqual({ hot: 120, cold: 300 });

    const started = Date.now();
    worker = await startWorker('* * * * *');
    expect(await ds().query(`SELECT name, cron FROM pgboss.schedule`)).toEqual([{ name: RECONCILE_QUEUE, cron: '* * * * *' }]);
    let now = await counts(ws);
    while ((now.hot !== 0 || now.cold !== 420) && Date.now() - started < 90_000) {
      await new Promise((r) => setTimeout(r, 500));
      now = await counts(ws);
    }
    const tookMs = Date.now() - started;
    expect(now).toEqual({ hot: 0, cold: 420 });
    process.stderr.write(`late events archived by the reconcile cron ${tookMs} ms after the worker started\n`);

    // The chain, from pg-boss's tables: the timekeeper's job, the reconcile run it caused, the fix that run queued.
    const [sent] = await ds().query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'name' = $2`, [SEND_IT, RECONCILE_QUEUE]);
    expect(sent.n).toBeGreaterThanOrEqual(1);
    const runs: Array<{ state: string; output: { checked: number; findings: number; enqueued: number } }> = await ds().query(
      `SELECT state, output FROM pgboss.job WHERE name = $1 AND state = 'completed' ORDER BY completed_on`, [RECONCILE_QUEUE]);
    expect(runs[0]).toEqual({ state: 'completed', output: { checked: expect.any(Number), findings: 1, enqueued: 1 } });
    // A run in the next minute may queue the fix once more while the first one's hot deletes are still
    // applied (the rows look hot until then); the second archive finds nothing left and ends a no-op.
    const fixJobs = () => ds().query(`SELECT state, data FROM pgboss.job WHERE name = $1`, [MAINTENANCE_QUEUE]) as Promise<Array<{ state: string }>>;
    // Such a second fix may still be waiting for a worker: give it time to run (and end a no-op).
    let fixes = await fixJobs();
    for (const until = Date.now() + 60_000; fixes.some((f) => f.state !== 'completed') && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 500));
      fixes = await fixJobs();
    }
    expect(fixes.length).toBeGreaterThanOrEqual(1);
    expect(fixes).toEqual(fixes.map(() => ({ state: 'completed', data: { kind: 'archive-late', workspaceId: ws } })));
    process.stderr.write(`reconcile runs: ${runs.length}, archive-late jobs: ${fixes.length}\n`);
    expect(await ds().query(`SELECT status, cold_storage_state FROM workspace WHERE id = $1`, [ws])).toEqual([{ status: 'Paused', cold_storage_state: 'archived' }]);
    await stopWorker();

    // `--reconcile-cron off` takes the schedule away again (for the whole fleet: the schedule is shared).
    worker = await startWorker('off');
    expect(await ds().query(`SELECT name FROM pgboss.schedule`)).toEqual([]);
    await stopWorker();
  }, 240_000);
});
