import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Client } from 'pg';
import { ClickHouse } from '@permafrost/backend-lib';
import {
  createDittofeedClickHouseSchema, dittofeedPostgresSchema, insertDittofeedEvents, insertDittofeedWorkspace, waitForMutations,
} from '@permafrost/backend-lib/testing';
import { repoRoot, spawnEngineServer, type EngineServerProcess } from '@permafrost/dev-stack';
import { buildProject, runNode, startTestStack, testTempDir, type TestStack } from '@permafrost/dev-stack/testing';

// Integration: the compiled CLI with `--schema dittofeed` on a Dittofeed-shaped installation — Dittofeed's
// "Workspace" (camelCase columns, its own status enum, `timestamp` columns) in Postgres `public`, its event
// tables in a ClickHouse database of their own on a shared engine — as an operator runs it on day two:
// the lifecycle, then status pages, describe, history and reconcile, which read the workspace table
// through the schema profile instead of Permafrost's own `workspace`.
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');

describe('permafrost --schema dittofeed (operator CLI on a Dittofeed installation)', () => {
  let stack: TestStack;
  let engine: EngineServerProcess;
  let df: ClickHouseClient;
  let pg: Client;
  let env: NodeJS.ProcessEnv;
  const ws = { acme: '', globex: '' };

  const cli = async (...args: string[]) => {
    const r = await runNode(bin, ['--json', ...args], env);
    const envelope = JSON.parse(r.stdout);
    if (r.code !== 0) throw new Error(`permafrost ${args.join(' ')} exited ${r.code}: ${r.stdout} ${r.stderr}`);
    return envelope.data;
  };
  const hot = async (id: string) => {
    const rs = await df.query({ query: 'SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}', query_params: { ws: id }, format: 'JSONEachRow' });
    return Number(((await rs.json()) as Array<{ n: string }>)[0]!.n);
  };

  beforeAll(async () => {
    buildProject('packages/cli');
    stack = await startTestStack();
    engine = await spawnEngineServer({ dataPath: testTempDir('dittofeed-cli-engine'), s3: stack.s3, s3RetryAttempts: 3 });
    const admin = createClient({ url: engine.url });
    const schema = await createDittofeedClickHouseSchema(admin, { database: `dittofeed_cli_${randomBytes(4).toString('hex')}`, coldStorage: true });
    await admin.close();
    df = createClient({ url: engine.url, database: schema.database });
    pg = new Client({ connectionString: stack.postgresUrl });
    await pg.connect();
    for (const statement of dittofeedPostgresSchema()) await pg.query(statement);
    ws.acme = await insertDittofeedWorkspace(pg, { name: 'acme', externalId: 'acme-ext' });
    ws.globex = await insertDittofeedWorkspace(pg, { name: 'globex' });
    await insertDittofeedEvents(df, ws.acme, { count: 400, seed: 11 });
    await insertDittofeedEvents(df, ws.globex, { count: 200, seed: 12 });
    env = {
      ...process.env, DATABASE_URL: stack.postgresUrl, PERMAFROST_CLICKHOUSE_URL: engine.url, PERMAFROST_CLICKHOUSE_DATABASE: schema.database,
      PERMAFROST_SCHEMA: 'dittofeed', PERMAFROST_DATA_DIR: testTempDir('dittofeed-cli'), NO_COLOR: '1',
    };
  }, 240_000);

  afterAll(async () => {
    await pg?.end();
    await df?.close();
    await engine?.stop();
    await stack?.stop();
  });

  it('pause, then status pages, describe and history read Dittofeed\'s "Workspace"', async () => {
    const acmeHot = await hot(ws.acme);
    expect(await cli('pause', ws.acme)).toMatchObject({ to: 'Paused' });
    const [row] = (await pg.query(`SELECT "status"::text AS status, "coldStorageState" AS cold FROM "Workspace" WHERE "id" = $1`, [ws.acme])).rows;
    expect(row).toEqual({ status: 'Paused', cold: 'archived' });
    await waitForMutations(new ClickHouse(df), ws.acme); // the archive's hot deletes apply in the background
    expect(await hot(ws.acme)).toBe(0);

    const paused = await cli('status', '--all', '--status', 'Paused');
    expect(paused.workspaces.map((w: { id: string; name: string; status: string; coldStorageState: string }) => [w.id, w.name, w.status, w.coldStorageState]))
      .toEqual([[ws.acme, 'acme', 'Paused', 'archived']]);
    const all = await cli('status', '--all', '--data');
    expect(all.workspaces.map((w: { id: string }) => w.id).sort()).toEqual([ws.acme, ws.globex].sort());
    expect(all.workspaces.find((w: { id: string }) => w.id === ws.acme)).toMatchObject({ hotRows: 0, coldRows: expect.any(Number), failure: null });
    // updatedAt is Dittofeed's `timestamp` (UTC wall clock) read as an instant: minutes old, not hours.
    const updatedAt = Date.parse(all.workspaces.find((w: { id: string }) => w.id === ws.acme).updatedAt);
    expect(Math.abs(Date.now() - updatedAt)).toBeLessThan(10 * 60_000);

    const described = await cli('describe', ws.acme);
    expect(described.workspace).toMatchObject({ id: ws.acme, name: 'acme', externalId: 'acme-ext', status: 'Paused', coldStorageState: 'archived' });
    expect(described.cold).toMatchObject({ rows: acmeHot > 0 ? expect.any(Number) : 0 });
    const history = await cli('history', ws.acme);
    expect(history.entries.map((e: { kind: string; operation: string; state: string }) => [e.kind, e.operation, e.state])).toEqual(
      expect.arrayContaining([['transition', 'pause', 'completed']]));
  }, 180_000);

  it('reconcile finds a paused workspace\'s late events and a stuck transition, and queues their fixes', async () => {
    // A Dittofeed writer that missed the pause (its API, a Kafka engine, a backfill).
    await insertDittofeedEvents(df, ws.acme, { count: 50, seed: 13 });
    // A transition a worker left running and no job will finish.
    await pg.query(
      `INSERT INTO permafrost.workspace_transition (id, workspace_id, transition, from_status, to_status, state, phase, attempt, started_at)
       VALUES (gen_random_uuid(), $1, 'pause', 'Active', 'Paused', 'running', 'after', 1, now())`, [ws.globex]);

    const dry = await cli('reconcile', '--dry-run');
    const found = (dry.findings as Array<{ workspaceId: string; problem: string; status: string; enqueued: boolean }>).map((f) => [f.workspaceId, f.problem, f.status, f.enqueued]);
    expect(found.sort()).toEqual([
      [ws.acme, 'hot-events-while-inactive', 'Paused', false],
      [ws.globex, 'stuck-transition', 'Active', false],
    ].sort());
    expect(await hot(ws.acme)).toBeGreaterThan(0); // a dry run changes nothing

    const run = await cli('reconcile');
    expect((run.findings as Array<{ enqueued: boolean }>).every((f) => f.enqueued)).toBe(true);
    const { rows: jobs } = await pg.query(`SELECT name, data FROM permafrost_pgboss.job WHERE state = 'created' ORDER BY name`);
    expect(jobs.length).toBe(2);
  }, 180_000);

  it('without Dittofeed\'s tables in the ClickHouse database the boot stops with SCHEMA_MISMATCH, changing nothing', async () => {
    const r = await runNode(bin, ['--json', 'status', ws.acme], { ...env, PERMAFROST_CLICKHOUSE_DATABASE: 'default' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'SCHEMA_MISMATCH' } });
    const other = createClient({ url: engine.url, database: 'default' });
    const rs = await other.query({ query: `SELECT name FROM system.tables WHERE database = 'default' AND name LIKE 'permafrost%'`, format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([]); // nothing migrated into the wrong database
    await other.close();
  }, 120_000);
});
