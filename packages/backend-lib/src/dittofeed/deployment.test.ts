import { randomBytes, randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { bootstrap, silentLogger, type PermafrostApp } from '@permafrost/core';
import { TransitionExecutor } from '@permafrost/core/plugin';
import { startTestStack, type TestStack } from '@permafrost/dev-stack/testing';
import { coldStorage, ColdStorageService } from '@permafrost/plugin-cold-storage';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ClickHouse } from '../clickhouse/clickhouse';
import { TRANSITION_JOBS, type TransitionJobs } from '../jobs/transition-jobs';
import { transitionJobHandler } from '../jobs/transition-worker';
import { dataLayer } from '../plugin';
import { uninstallFromPlatform } from '../schema-profile/uninstall';
import { databaseContents, insertDittofeedEvents, insertDittofeedWorkspace, rows, workspaceRows } from '../testing/dittofeed';
import { UserEventsService } from '../user-events-service';
import { WorkspaceService } from '../workspaces';
import { createDittofeedClickHouseSchema, dittofeedPostgresSchema, DITTOFEED_WORKSPACE_COLUMNS, type DittofeedClickHouseSchema } from './index';

// Integration (chDB, embedded Postgres, s3rver): Permafrost booted with the `dittofeed` schema profile and
// cold storage on a Dittofeed-shaped installation — Dittofeed's ClickHouse tables and views in a database
// of their own (the client is in it, as Dittofeed's is), Dittofeed's "Workspace" and "UserProperty" in
// Postgres `public`, rows written the way Dittofeed writes them.
describe('Permafrost on a Dittofeed installation (dittofeed profile + cold storage)', () => {
  let stack: TestStack;
  let schema: DittofeedClickHouseSchema;
  let df: ClickHouseClient;
  let pg: Client;
  let app: PermafrostApp;
  let workspaces: WorkspaceService;
  let cold: ColdStorageService;
  const ws = { acme: '', globex: '', initech: '', holding: '' };
  /** A workspace Dittofeed itself archived into its own user_events_cold_storage: never ours to touch. */
  const dittofeedArchived = randomUUID();
  const original = new Map<string, Record<string, unknown>>();
  let userProperties: unknown[];
  let contentsBefore: Awaited<ReturnType<typeof databaseContents>>;
  /** A second "globex" created (with events) while the first is tombstoned, then deleted by Dittofeed. */
  let secondGlobex = '';

  const workspaceRow = async (id: string) => (await pg.query(`SELECT * FROM "Workspace" WHERE "id" = $1`, [id])).rows[0] as Record<string, unknown>;
  const hotCount = async (table: string, id: string) =>
    Number((await rows<{ n: string }>(df, `SELECT count() AS n FROM ${table} WHERE workspace_id = {ws:String}`, { ws: id }))[0]!.n);

  beforeAll(async () => {
    stack = await startTestStack();
    // chDB keeps one engine per jest worker across files: Dittofeed's database gets a name of its own.
    schema = await createDittofeedClickHouseSchema(stack.clickhouse, { database: `dittofeed_e2e_${randomBytes(5).toString('hex')}`, coldStorage: true });
    df = await stack.clickhouseIn(schema.database);
    pg = new Client({ connectionString: stack.postgresUrl });
    await pg.connect();
    for (const statement of dittofeedPostgresSchema()) await pg.query(statement);

    ws.acme = await insertDittofeedWorkspace(pg, { name: 'acme', externalId: 'acme-ext', domain: 'acme.example' });
    ws.globex = await insertDittofeedWorkspace(pg, { name: 'globex', externalId: 'globex-ext' });
    ws.initech = await insertDittofeedWorkspace(pg, { name: 'initech' });
    ws.holding = await insertDittofeedWorkspace(pg, { name: 'holding', type: 'Parent' });
    for (const [name, id] of Object.entries(ws)) {
      await pg.query(`INSERT INTO "UserProperty" ("workspaceId", "name", "definition") VALUES ($1, $2, $3)`, [id, `${name}-email`, { type: 'Trait', path: 'email' }]);
    }
    await insertDittofeedEvents(df, ws.acme, { count: 700, seed: 1 });
    await insertDittofeedEvents(df, ws.globex, { count: 400, seed: 2 });
    await insertDittofeedEvents(df, ws.initech, { count: 300, seed: 3 });
    // Dittofeed's own cold storage (ENABLE_COLD_STORAGE) left a row in its table of that name.
    await df.command({ query: `INSERT INTO user_events_cold_storage (message_raw, processing_time, workspace_id, message_id, server_time) VALUES ('{"type":"track","event":"Old"}', '2025-01-05 10:00:00.000', {ws:String}, 'df-cold-1', '2025-01-05 10:00:00.000')`, query_params: { ws: dittofeedArchived } });
    // The compute-properties job's assignments (fires the index views).
    await df.insert({ table: 'user_property_index_config', values: [{ workspace_id: ws.acme, user_property_id: 'up-score', type: 'Number' }], format: 'JSONEachRow' });
    await df.insert({
      table: 'computed_property_assignments_v2', format: 'JSONEachRow',
      values: [{ workspace_id: ws.acme, type: 'user_property', computed_property_id: 'up-score', user_id: 'user-1', segment_value: false, user_property_value: '7', max_event_time: Date.UTC(2025, 11, 1) }],
    });

    for (const id of Object.values(ws)) original.set(id, await workspaceRow(id));
    userProperties = (await pg.query(`SELECT * FROM "UserProperty" ORDER BY "id"`)).rows;
    contentsBefore = await databaseContents(df);

    app = await bootstrap({
      plugins: [
        dataLayer({ schema: 'dittofeed', postgresUrl: stack.postgresUrl, clickhouse: df, lockTimeoutMs: 60_000 }),
        coldStorage({ s3: stack.s3 }),
      ],
      logger: silentLogger,
    });
    workspaces = app.resolve(WorkspaceService);
    cold = app.resolve(ColdStorageService);
  });

  afterAll(async () => {
    await app?.shutdown();
    await pg?.end();
    await df?.close();
    if (schema) await stack?.clickhouse.command({ query: schema.dropDatabase }).catch(() => undefined);
    await stack?.stop();
  });

  it('boots on Dittofeed\'s schema: its tables untouched, ours in a schema of their own, two camelCase columns on "Workspace"', async () => {
    const tables = (await pg.query(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).rows.map((r) => r.t);
    expect(tables.filter((t: string) => t.startsWith('public.'))).toEqual(['public.UserProperty', 'public.Workspace']);
    expect(tables).toEqual(expect.arrayContaining(['permafrost.workspace_transition', 'permafrost.cold_storage_operation', 'permafrost.cold_storage_step', 'permafrost.migrations']));
    const columns = (await pg.query(`
      SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = '"Workspace"'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)).rows;
    expect(columns).toEqual([
      ...DITTOFEED_WORKSPACE_COLUMNS.map((c) => ({ ...c })),
      { name: 'coldStorageState', type: 'text', nullable: false, default: `'none'::text` },
      { name: 'coldStorageStrategy', type: 'text', nullable: true, default: null },
    ]);
    // Dittofeed's rows took the defaults; nothing else about them changed.
    for (const [id, row] of original) expect(await workspaceRow(id)).toEqual({ ...row, coldStorageState: 'none', coldStorageStrategy: null });

    const chTables = (await rows<{ name: string; engine_full: string }>(df, `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() ORDER BY name`));
    const ours = chTables.map((t) => t.name).filter((n) => !schema.objects.some((o) => o.name === n));
    expect(ours.sort()).toEqual(['permafrost_clickhouse_migrations', 'permafrost_internal_events_cold', 'permafrost_internal_events_cold_staging', 'permafrost_user_events_cold', 'permafrost_user_events_cold_staging']);
    // The one change to Dittofeed's tables: row identity, for archives that own rows by block number.
    for (const t of ['user_events_v2', 'internal_events']) expect(chTables.find((x) => x.name === t)?.engine_full).toMatch(/enable_block_number_column = 1/);
    const coldInternal = await rows<{ name: string; type: string }>(df, `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'permafrost_internal_events_cold' AND name = 'hidden'`);
    expect(coldInternal).toEqual([{ name: 'hidden', type: 'Bool' }]);
    expect(await databaseContents(df, { exclude: ours })).toEqual(contentsBefore);
  });

  it('pause → resume: events go cold and come back identical (both tables, every column); derived tables never change', async () => {
    const before = { events: await workspaceRows(df, 'user_events_v2', ws.acme), internal: await workspaceRows(df, 'internal_events', ws.acme) };
    expect(before.internal.length).toBeGreaterThan(50);
    expect(before.internal.some((r) => r.hidden === true)).toBe(true);
    const derived = () => databaseContents(df, { exclude: ['user_events_v2', 'internal_events', 'permafrost_user_events_cold', 'permafrost_internal_events_cold', 'permafrost_user_events_cold_staging', 'permafrost_internal_events_cold_staging', 'permafrost_clickhouse_migrations'] });
    const derivedBefore = await derived();

    await workspaces.pauseWorkspace(ws.acme);
    await cold.settle(ws.acme);
    expect(await workspaceRow(ws.acme)).toEqual({ ...original.get(ws.acme), status: 'Paused', coldStorageState: 'archived', coldStorageStrategy: 'table', updatedAt: expect.any(Date) });
    expect({ events: await hotCount('user_events_v2', ws.acme), internal: await hotCount('internal_events', ws.acme) }).toEqual({ events: 0, internal: 0 });
    expect({ events: await hotCount('permafrost_user_events_cold', ws.acme), internal: await hotCount('permafrost_internal_events_cold', ws.acme) })
      .toEqual({ events: before.events.length, internal: before.internal.length });
    expect(await derived()).toEqual(derivedBefore); // computed properties and group assignments stay while paused

    await workspaces.resumeWorkspace(ws.acme);
    expect(await workspaceRows(df, 'user_events_v2', ws.acme)).toEqual(before.events);
    expect(await workspaceRows(df, 'internal_events', ws.acme)).toEqual(before.internal);
    // The restore moved parts back (ALTER … MOVE PARTITION): no view fired, nothing derived counted twice.
    expect(await derived()).toEqual(derivedBefore);
    const row = await workspaceRow(ws.acme);
    expect(row).toEqual({ ...original.get(ws.acme), coldStorageState: 'none', coldStorageStrategy: null, updatedAt: expect.any(Date) });
    expect((row.updatedAt as Date).getTime()).toBeGreaterThanOrEqual((original.get(ws.acme)!.updatedAt as Date).getTime());
  });

  it('tombstone → untombstone in Dittofeed\'s naming; a second tombstoned name is refused as CONFLICT before anything moves', async () => {
    const before = { events: await workspaceRows(df, 'user_events_v2', ws.globex), internal: await workspaceRows(df, 'internal_events', ws.globex) };
    await workspaces.tombstoneWorkspace(ws.globex);
    expect(await workspaceRow(ws.globex)).toMatchObject({ name: 'DfTombstoned-globex', externalId: 'DfTombstoned-globex-ext', status: 'Tombstoned', coldStorageState: 'archived' });

    // The name is free again (Dittofeed's per-parent rule); a new "globex" takes it…
    const again = await workspaces.createWorkspace({ name: 'globex' });
    secondGlobex = again.id;
    expect(await workspaceRow(again.id)).toMatchObject({ name: 'globex', type: 'Root', parentWorkspaceId: null, status: 'Active', coldStorageState: 'none' });
    await insertDittofeedEvents(df, again.id, { count: 20, seed: 9 });
    // …but tombstoning it too would collide with "DfTombstoned-globex": refused in the check phase.
    await expect(workspaces.tombstoneWorkspace(again.id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/DfTombstoned-globex.*held by workspace/) });
    expect(await workspaceRow(again.id)).toMatchObject({ name: 'globex', status: 'Active' });
    expect(await hotCount('user_events_v2', again.id)).toBe(26);
    // Untombstoning the first while its name is taken: CONFLICT, still tombstoned, still cold.
    await expect(workspaces.activateTombstonedWorkspace(ws.globex)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await workspaceRow(ws.globex)).toMatchObject({ status: 'Tombstoned', coldStorageState: 'archived' });
    await pg.query(`DELETE FROM "Workspace" WHERE "id" = $1`, [again.id]); // Dittofeed deletes it (our records cascade)

    await workspaces.activateTombstonedWorkspace(ws.globex);
    expect(await workspaceRow(ws.globex)).toEqual({ ...original.get(ws.globex), coldStorageState: 'none', coldStorageStrategy: null, updatedAt: expect.any(Date) });
    expect(await workspaceRows(df, 'user_events_v2', ws.globex)).toEqual(before.events);
    expect(await workspaceRows(df, 'internal_events', ws.globex)).toEqual(before.internal);
  });

  it('deletes are plain lightweight DELETEs without subqueries, accepted with allow_nondeterministic_mutations at its default', async () => {
    expect(await rows(df, `SELECT value, changed FROM system.settings WHERE name = 'allow_nondeterministic_mutations'`)).toEqual([{ value: '0', changed: 0 }]);
    const mutations = await rows<{ table: string; command: string; is_done: number; latest_fail_reason: string }>(df,
      `SELECT table, command, is_done, latest_fail_reason FROM system.mutations WHERE database = currentDatabase() ORDER BY create_time`);
    // Two archives (acme, globex), each deleting from both hot tables; nothing else mutated Dittofeed's data.
    expect(mutations.map((m) => m.table).sort()).toEqual(['internal_events', 'internal_events', 'user_events_v2', 'user_events_v2']);
    for (const m of mutations) {
      expect(m).toMatchObject({ is_done: 1, latest_fail_reason: '' });
      expect(m.command).not.toMatch(/select|\bin\s*\(/i);
      // As the engine records a lightweight delete: `UPDATE _row_exists = 0 WHERE (workspace_id = '…') AND (_block_number <= _CAST(n, 'UInt64'))`.
      expect(m.command).toMatch(/^\(?UPDATE _row_exists = 0 WHERE \(workspace_id = '[0-9a-f-]{36}'\) AND \(_block_number <= (_CAST\()?\d+(, 'UInt64'\))?\)\)?$/);
    }
  });

  it('Dittofeed\'s other rows are untouched: other workspaces, "UserProperty", its own cold table, every derived table', async () => {
    expect((await pg.query(`SELECT * FROM "UserProperty" ORDER BY "id"`)).rows).toEqual(userProperties);
    for (const id of [ws.initech, ws.holding]) expect(await workspaceRow(id)).toEqual({ ...original.get(id), coldStorageState: 'none', coldStorageStrategy: null });
    const ours = ['permafrost_clickhouse_migrations', 'permafrost_internal_events_cold', 'permafrost_internal_events_cold_staging', 'permafrost_user_events_cold', 'permafrost_user_events_cold_staging'];
    // After both round trips the whole database, hot tables included, holds exactly what it held before boot
    // (but the events of the second "globex", created after boot).
    expect(await databaseContents(df, { exclude: ours, excludeWorkspaces: [secondGlobex] })).toEqual(contentsBefore);
    expect(await rows(df, `SELECT workspace_id, message_id FROM user_events_cold_storage`)).toEqual([{ workspace_id: dittofeedArchived, message_id: 'df-cold-1' }]);
  });

  it('a queued pause and resume run through pg-boss, which lives in a schema of its own', async () => {
    const before = await workspaceRows(df, 'user_events_v2', ws.initech);
    const stopWorker = await app.resolve<TransitionJobs>(TRANSITION_JOBS).work(transitionJobHandler(app.resolve(TransitionExecutor)), { concurrency: 1 });
    try {
      const pause = await workspaces.requestTransition(ws.initech, 'pause');
      expect(await workspaces.waitFor(pause, { timeoutMs: 60_000 })).toMatchObject({ state: 'completed', from: 'Active', to: 'Paused' });
      expect(await workspaceRow(ws.initech)).toMatchObject({ status: 'Paused', coldStorageState: 'archived' });
      const resume = await workspaces.requestTransition(ws.initech, 'resume');
      expect(await workspaces.waitFor(resume, { timeoutMs: 60_000 })).toMatchObject({ state: 'completed', to: 'Active' });
      const jobs = (await pg.query(`SELECT count(*)::int AS n FROM permafrost_pgboss.job WHERE data->>'transitionId' = ANY($1)`, [[pause, resume]])).rows;
      expect(jobs).toEqual([{ n: 2 }]);
    } finally {
      await stopWorker();
    }
    await cold.settle(ws.initech);
    expect(await workspaceRows(df, 'user_events_v2', ws.initech)).toEqual(before);
    expect((await pg.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'pgboss'`)).rows).toEqual([]);
  });

  it('ingest follows Dittofeed\'s rule: a Parent workspace takes no events', async () => {
    const events = app.resolve(UserEventsService);
    await expect(events.insertUserEvents(ws.holding, [{ message: { type: 'track', event: 'X', userId: 'u' } }])).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await hotCount('user_events_v2', ws.holding)).toBe(0);
  });

  it('uniqueness is Dittofeed\'s, per parent: a child untombstones beside a root of the same name; DfTombstoned names are reserved', async () => {
    const child = await insertDittofeedWorkspace(pg, { name: 'team', externalId: 'team-ext', type: 'Child', parentWorkspaceId: ws.holding });
    const root = await workspaces.createWorkspace({ name: 'team', externalId: 'team-ext' }); // another scope: allowed, as in Dittofeed
    await workspaces.tombstoneWorkspace(child);
    expect(await workspaceRow(child)).toMatchObject({ name: 'DfTombstoned-team', externalId: 'DfTombstoned-team-ext', parentWorkspaceId: ws.holding });
    await workspaces.activateTombstonedWorkspace(child); // the root's "team" is no conflict under another parent
    expect(await workspaceRow(child)).toMatchObject({ name: 'team', externalId: 'team-ext', status: 'Active', type: 'Child' });
    await expect(workspaces.createWorkspace({ name: 'DfTombstoned-x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await pg.query(`DELETE FROM "Workspace" WHERE "id" = ANY($1::uuid[])`, [[child, root.id]]);
  });

  it('rollback: refused while events are cold, then leaves Dittofeed\'s schema exactly as before Permafrost', async () => {
    const deps = { dataSource: app.resolve(DataSource), clickhouse: app.resolve(ClickHouse) };
    await workspaces.pauseWorkspace(ws.initech);
    await expect(uninstallFromPlatform(deps)).rejects.toMatchObject({ code: 'CONFLICT' });
    await workspaces.resumeWorkspace(ws.initech);
    await cold.settle(ws.initech);

    const report = await uninstallFromPlatform(deps);
    expect(report.postgres).toHaveLength(5); // every Postgres migration the profile and cold storage applied, undone
    expect(report.clickhouse).toEqual(expect.arrayContaining(['permafrost_user_events_cold', 'permafrost_internal_events_cold', 'permafrost_clickhouse_migrations']));
    const tables = (await pg.query(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).rows.map((r) => r.t);
    expect(tables).toEqual(['public.UserProperty', 'public.Workspace']);
    const columns = (await pg.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'Workspace' ORDER BY ordinal_position`)).rows.map((r) => r.column_name);
    expect(columns).toEqual(DITTOFEED_WORKSPACE_COLUMNS.map((c) => c.name));
    expect((await pg.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'permafrost%'`)).rows).toEqual([]);
    const left = await rows<{ name: string }>(df, `SELECT name FROM system.tables WHERE database = currentDatabase() AND name NOT IN {fixture:Array(String)}`, { fixture: schema.objects.map((o) => o.name) });
    expect(left).toEqual([]);
    expect(await databaseContents(df, { excludeWorkspaces: [secondGlobex] })).toEqual(contentsBefore);
  });
});
