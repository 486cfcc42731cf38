import { randomBytes, randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { startTestStack, type TestStack } from '@permafrost/dev-stack/testing';
import { Client } from 'pg';
import { createDataSource, migratePostgres } from '../db/data-source';
import {
  DITTOFEED_INTERNAL_EVENTS_COLUMNS,
  DITTOFEED_STORED_COLUMNS,
  DITTOFEED_USER_EVENTS_COLUMNS,
  DITTOFEED_WORKSPACE_COLUMNS,
  DITTOFEED_WORKSPACE_CONSTRAINTS,
  DITTOFEED_WORKSPACE_STATUSES,
  DITTOFEED_WORKSPACE_TYPES,
  FIXTURE_COMPUTED_PROPERTY_ID,
  createDittofeedClickHouseSchema,
  dittofeedClickHouseSchema,
  dittofeedLifecycleSql,
  dittofeedPostgresSchema,
  viewsFiredBy,
  type DittofeedClickHouseSchema,
} from './index';

// Integration: Dittofeed's schema on the real embedded stack (chDB in a database of its own beside
// Permafrost's tables; embedded Postgres in this file's fresh database).
describe('Dittofeed schema fixtures', () => {
  let stack: TestStack;
  let ch: ClickHouseClient;
  let schema: DittofeedClickHouseSchema;

  const rows = async <T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> =>
    (await ch.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();

  beforeAll(async () => {
    stack = await startTestStack();
    ch = stack.clickhouse;
    // chDB keeps one engine per worker across test files: a database of our own, dropped at the end.
    schema = await createDittofeedClickHouseSchema(ch, { database: `dittofeed_t_${randomBytes(5).toString('hex')}` });
  });

  afterAll(async () => {
    if (schema) await ch?.command({ query: schema.dropDatabase }).catch(() => undefined);
    await stack?.stop();
  });

  describe('ClickHouse', () => {
    it('creates every table and view in its own database, with Dittofeed columns, engines and keys', async () => {
      const tables = await rows<{ name: string; engine: string; sorting_key: string; partition_key: string; engine_full: string }>(
        `SELECT name, engine, sorting_key, partition_key, engine_full FROM system.tables WHERE database = {db:String} ORDER BY name`, { db: schema.database });
      expect(tables.map((t) => t.name).sort()).toEqual(schema.objects.map((o) => o.name).sort());
      const byName = new Map(tables.map((t) => [t.name, t]));
      expect(byName.get('user_events_v2')).toMatchObject({ engine: 'MergeTree', sorting_key: 'workspace_id, processing_time, user_or_anonymous_id, event_time, message_id', partition_key: '' });
      expect(byName.get('internal_events')).toMatchObject({ engine: 'MergeTree', sorting_key: 'workspace_id, processing_time, event, user_or_anonymous_id, message_id', partition_key: '' });
      expect(byName.get('computed_property_state_v3')).toMatchObject({ engine: 'AggregatingMergeTree', partition_key: '(workspace_id, toYear(event_time))' });
      expect(byName.get('updated_computed_property_state')).toMatchObject({ engine: 'MergeTree', partition_key: 'toYYYYMMDD(computed_at)' });
      expect(byName.get('updated_computed_property_state')?.engine_full).toMatch(/TTL toStartOfDay\(computed_at\) \+ toIntervalHour\(24\)/);
      expect(byName.get('user_property_idx_num')?.engine_full).toMatch(/^ReplacingMergeTree\(assigned_at\)/);
      for (const view of schema.objects.filter((o) => o.kind === 'materialized_view')) expect(byName.get(view.name)?.engine).toBe('MaterializedView');

      const columns = async (table: string) =>
        rows<{ name: string; type: string; default_kind: string }>(
          `SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position`,
          { db: schema.database, t: table });
      const userEvents = await columns('user_events_v2');
      expect(userEvents.map((c) => c.name)).toEqual([...DITTOFEED_USER_EVENTS_COLUMNS]);
      // Only the five stored columns have no DEFAULT: inserting them reproduces the whole row.
      expect(userEvents.filter((c) => c.default_kind === '').map((c) => c.name).sort()).toEqual(
        ['message_id', 'message_raw', 'server_time', 'workspace_id'].sort());
      expect(userEvents.find((c) => c.name === 'processing_time')).toMatchObject({ type: 'DateTime64(3)', default_kind: 'DEFAULT' });
      expect(userEvents.find((c) => c.name === 'event_time')?.type).toBe('DateTime64(3)'); // Dittofeed writes bare `DateTime64`
      expect(userEvents.find((c) => c.name === 'hidden')?.type).toBe('Bool');
      const internal = await columns('internal_events');
      expect(internal.map((c) => c.name)).toEqual([...DITTOFEED_INTERNAL_EVENTS_COLUMNS]);
      expect(internal.every((c) => c.default_kind === '')).toBe(true);

      // The views an insert into user_events_v2 fires, as the engine records them.
      const [deps] = await rows<{ dependencies_table: string[] }>(
        `SELECT dependencies_table FROM system.tables WHERE database = {db:String} AND name = 'user_events_v2'`, { db: schema.database });
      expect([...deps!.dependencies_table].sort()).toEqual(viewsFiredBy(schema, 'user_events_v2').map((v) => v.name).sort());
      expect(viewsFiredBy(schema, 'user_events_v2').map((v) => v.name).sort()).toEqual(
        ['group_user_assignments_mv', 'internal_events_mv', 'permafrost_fixture_computed_property_state_mv', 'user_group_assignments_mv']);

      // Every statement is idempotent, so creating again changes nothing.
      for (const query of schema.statements) await ch.command({ query });
    });

    it('Dittofeed\'s computed_property_state_v3 DDL as written is rejected by ClickHouse 26.x unless the setting is added', async () => {
      const [known] = await rows<{ n: string }>(`SELECT count() AS n FROM system.merge_tree_settings WHERE name = 'allow_dimensions_outside_sorting_key'`);
      const raw = dittofeedClickHouseSchema({ database: `${schema.database}_raw`, allowDimensionsOutsideSortingKey: false });
      const stateTable = raw.objects.find((o) => o.name === 'computed_property_state_v3')!;
      expect(stateTable.sql).not.toMatch(/SETTINGS/);
      await ch.command({ query: raw.createDatabase });
      try {
        const attempt = ch.command({ query: stateTable.sql });
        if (Number(known!.n) > 0) await expect(attempt).rejects.toThrow(/allow_dimensions_outside_sorting_key/);
        else await expect(attempt).resolves.toBeDefined(); // e.g. Dittofeed's 24.12: no check, no setting
      } finally {
        await ch.command({ query: raw.dropDatabase });
      }
      expect(() => dittofeedClickHouseSchema({ database: 'dittofeed; DROP TABLE x' })).toThrow(/plain identifier/);
    });

    it('an insert of the five stored columns into user_events_v2 fires the views, which fill the derived tables', async () => {
      const ws = randomUUID();
      const events = segmentEvents();
      await insertEvents(ws, events);

      const stored = await rows<{ event_type: string; event: string; user_or_anonymous_id: string; hidden: boolean; properties: string }>(
        `SELECT event_type, event, user_or_anonymous_id, hidden, properties FROM ${schema.q('user_events_v2')} WHERE workspace_id = {ws:String} ORDER BY message_id`, { ws });
      expect(stored).toHaveLength(events.length);
      expect(stored.find((r) => r.event === 'DFInternalMessageSent')).toMatchObject({ event_type: 'track', user_or_anonymous_id: 'user-1', hidden: true });
      expect(stored.find((r) => r.event_type === 'identify')).toMatchObject({ event: '', hidden: false, properties: '{"plan":"pro"}' });

      // internal_events_mv: every DF-prefixed track event, with the fields parsed out and `hidden` carried.
      const internal = await rows<Record<string, unknown>>(
        `SELECT * FROM ${schema.q('internal_events')} WHERE workspace_id = {ws:String} ORDER BY event`, { ws });
      expect(internal.map((r) => r.event)).toEqual(['DFGroupUserAssignment', 'DFInternalMessageSent', 'DFUserGroupAssignment']);
      expect(internal[1]).toMatchObject({
        user_or_anonymous_id: 'user-1', template_id: 'tpl-1', broadcast_id: 'bc-1', journey_id: 'jr-1', triggering_message_id: 'trig-1',
        channel_type: 'Email', delivery_to: 'a@example.com', delivery_from: 'b@example.com', origin_message_id: 'orig-1', hidden: true,
      });

      // The group views.
      expect(await rows(`SELECT group_id, user_id, assigned FROM ${schema.q('group_user_assignments')} WHERE workspace_id = {ws:String}`, { ws }))
        .toEqual([{ group_id: 'group-1', user_id: 'user-2', assigned: true }]);
      expect(await rows(`SELECT group_id, user_id, assigned FROM ${schema.q('user_group_assignments')} WHERE workspace_id = {ws:String}`, { ws }))
        .toEqual([{ group_id: 'group-1', user_id: 'user-2', assigned: true }]);

      // The fixture per-user aggregation, and Dittofeed's own view downstream of it.
      const state = await fixtureState(ws);
      expect(state).toEqual([
        { user_id: 'group-1', uniq: '1', grouped: '1', last: 'DFGroupUserAssignment' },
        { user_id: 'user-1', uniq: '3', grouped: '3', last: 'DFInternalMessageSent' },
        { user_id: 'user-2', uniq: '1', grouped: '1', last: 'DFUserGroupAssignment' },
      ]);
      const updated = await rows<{ n: string }>(
        `SELECT count() AS n FROM ${schema.q('updated_computed_property_state')} WHERE workspace_id = {ws:String} AND computed_property_id = {cp:String}`,
        { ws, cp: FIXTURE_COMPUTED_PROPERTY_ID });
      expect(Number(updated[0]!.n)).toBeGreaterThanOrEqual(3);

      // The assignment views (fed by the compute job in Dittofeed; here by a direct insert).
      await ch.insert({ table: schema.q('user_property_index_config'), values: [{ workspace_id: ws, user_property_id: 'up-age', type: 'Number' }], format: 'JSONEachRow' });
      await ch.insert({
        table: schema.q('computed_property_assignments_v2'),
        values: [{ workspace_id: ws, type: 'user_property', computed_property_id: 'up-age', user_id: 'user-1', segment_value: false, user_property_value: '42', max_event_time: Date.UTC(2025, 0, 1) }],
        format: 'JSONEachRow',
      });
      expect(await rows(`SELECT user_id, value_num FROM ${schema.q('user_property_idx_num')} WHERE workspace_id = {ws:String}`, { ws }))
        .toEqual([{ user_id: 'user-1', value_num: 42 }]);
      expect(await rows(`SELECT user_id FROM ${schema.q('updated_property_assignments_v2')} WHERE workspace_id = {ws:String}`, { ws }))
        .toEqual([{ user_id: 'user-1' }]);
      const [str] = await rows<{ n: string }>(`SELECT count() AS n FROM ${schema.q('user_property_idx_str')} WHERE workspace_id = {ws:String}`, { ws });
      expect(Number(str!.n)).toBe(0); // not configured as a String index
    });

    it('inserting the same events again fires every view again: a restore by INSERT double counts', async () => {
      const ws = randomUUID();
      const events = segmentEvents();
      await insertEvents(ws, events);
      // A second insert of the same rows: a re-delivery, or a restore by INSERT … SELECT (Dittofeed's restoreWorkspaceEvents).
      await insertEvents(ws, events);

      const count = async (table: string, final = '') =>
        Number((await rows<{ n: string }>(`SELECT count() AS n FROM ${schema.q(table)} ${final} WHERE workspace_id = {ws:String}`, { ws }))[0]!.n);
      expect(await count('user_events_v2')).toBe(2 * events.length);
      expect(await count('internal_events')).toBe(6); // plain MergeTree: every DF event twice
      const state = await fixtureState(ws);
      expect(state.find((s) => s.user_id === 'user-1')).toEqual({ user_id: 'user-1', uniq: '3', grouped: '6', last: 'DFInternalMessageSent' });
      // ReplacingMergeTree targets converge: the twin collapses at merge time (FINAL shows it).
      expect(await count('group_user_assignments', 'FINAL')).toBe(1);
      expect(await count('user_group_assignments', 'FINAL')).toBe(1);
    });

    async function insertEvents(ws: string, events: ReturnType<typeof segmentEvents>) {
      await ch.insert({
        table: schema.q('user_events_v2'),
        columns: [...DITTOFEED_STORED_COLUMNS],
        values: events.map((e) => ({
          message_raw: JSON.stringify(e.message),
          processing_time: e.processingTime,
          workspace_id: ws,
          message_id: e.message.messageId,
          server_time: e.processingTime,
        })),
        format: 'JSONEachRow',
      });
    }

    async function fixtureState(ws: string) {
      return rows<{ user_id: string; uniq: string; grouped: string; last: string }>(
        `SELECT user_id, toString(uniqMerge(unique_count)) AS uniq, toString(length(groupArrayMerge(grouped_message_ids))) AS grouped,
                argMaxMerge(last_value) AS last
         FROM ${schema.q('computed_property_state_v3')}
         WHERE workspace_id = {ws:String} AND computed_property_id = {cp:String}
         GROUP BY user_id ORDER BY user_id`,
        { ws, cp: FIXTURE_COMPUTED_PROPERTY_ID });
    }
  });

  describe('Postgres', () => {
    let pg: Client;
    const sql = dittofeedLifecycleSql();

    beforeAll(async () => {
      // Permafrost's own schema in the same database first: its "workspace" and Dittofeed's "Workspace"
      // are different tables (quoted identifiers), so both schemas coexist.
      const ds = createDataSource(stack.postgresUrl);
      await ds.initialize();
      try {
        await migratePostgres(ds);
      } finally {
        await ds.destroy();
      }
      pg = new Client({ connectionString: stack.postgresUrl });
      await pg.connect();
      for (const statement of dittofeedPostgresSchema()) await pg.query(statement);
    });
    afterAll(async () => pg?.end());

    const insert = async (values: { name: string; externalId?: string; parentWorkspaceId?: string; type?: string }) =>
      (await pg.query(
        `INSERT INTO "Workspace" ("name", "externalId", "parentWorkspaceId", "type") VALUES ($1, $2, $3, COALESCE($4, 'Root')::"WorkspaceType") RETURNING *`,
        [values.name, values.externalId ?? null, values.parentWorkspaceId ?? null, values.type ?? null])).rows[0] as Record<string, unknown>;
    const get = async (id: unknown) => (await pg.query(`SELECT "name", "externalId", "status" FROM "Workspace" WHERE "id" = $1`, [id])).rows[0];
    const uniqueViolation = (constraint: string) => expect.objectContaining({ code: '23505', constraint });

    it('has the Workspace table with Dittofeed\'s quoted camelCase columns, enums and constraints, beside Permafrost\'s', async () => {
      const tables = (await pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).rows.map((r) => r.table_name);
      expect(tables).toEqual(expect.arrayContaining(['Workspace', 'workspace', 'workspace_transition']));
      const columns = (await pg.query(`
        SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = '"Workspace"'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)).rows;
      expect(columns).toEqual(DITTOFEED_WORKSPACE_COLUMNS.map((c) => ({ ...c })));
      const enumValues = async (type: string) => (await pg.query(`SELECT unnest(enum_range(NULL::"${type}"))::text AS v`)).rows.map((r) => r.v);
      expect(await enumValues('WorkspaceStatus')).toEqual([...DITTOFEED_WORKSPACE_STATUSES]);
      expect(await enumValues('WorkspaceType')).toEqual([...DITTOFEED_WORKSPACE_TYPES]);
      const constraints = (await pg.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '"Workspace"'::regclass AND contype IN ('p', 'u', 'f', 'c') ORDER BY conname`)).rows;
      expect(constraints).toEqual([
        { conname: DITTOFEED_WORKSPACE_CONSTRAINTS.externalIdUnique, def: 'UNIQUE ("parentWorkspaceId", "externalId")' },
        { conname: DITTOFEED_WORKSPACE_CONSTRAINTS.nameUnique, def: 'UNIQUE NULLS NOT DISTINCT ("parentWorkspaceId", name)' },
        { conname: DITTOFEED_WORKSPACE_CONSTRAINTS.primaryKey, def: 'PRIMARY KEY (id)' },
      ]);
    });

    it('a Workspace row takes Dittofeed\'s defaults; names are unique per parent, external ids only under a parent', async () => {
      const root = await insert({ name: 'acme-schema', externalId: 'ext-schema' });
      expect(root).toMatchObject({ name: 'acme-schema', externalId: 'ext-schema', status: 'Active', type: 'Root', domain: null, parentWorkspaceId: null });
      expect(root.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(root.createdAt).toBeInstanceOf(Date);

      await expect(insert({ name: 'acme-schema' })).rejects.toEqual(uniqueViolation(DITTOFEED_WORKSPACE_CONSTRAINTS.nameUnique));
      // Two ROOT workspaces may share an external id: the parent is NULL and NULLs are distinct there.
      await expect(insert({ name: 'other-root', externalId: 'ext-schema' })).resolves.toMatchObject({ externalId: 'ext-schema' });
      // Under one parent both are unique; the same name under another parent is fine.
      await insert({ name: 'acme-schema', externalId: 'child-ext', parentWorkspaceId: root.id as string, type: 'Child' });
      await expect(insert({ name: 'child-2', externalId: 'child-ext', parentWorkspaceId: root.id as string, type: 'Child' }))
        .rejects.toEqual(uniqueViolation(DITTOFEED_WORKSPACE_CONSTRAINTS.externalIdUnique));
      await expect(pg.query(`INSERT INTO "Workspace" ("name", "status") VALUES ('bad-status', 'Archived')`)).rejects.toMatchObject({ code: '22P02' });
    });

    it('Dittofeed\'s lifecycle as SQL: DfTombstoned- prefix without the id, status-only pause and resume', async () => {
      const first = await insert({ name: 'lifecycle', externalId: 'lc-ext' });
      expect((await pg.query(sql.tombstone, [first.id])).rowCount).toBe(1);
      expect(await get(first.id)).toEqual({ name: 'DfTombstoned-lifecycle', externalId: 'DfTombstoned-lc-ext', status: 'Tombstoned' });

      // The name is free again; but tombstoning its new owner collides (no workspace id in the prefix).
      const second = await insert({ name: 'lifecycle' });
      await expect(pg.query(sql.tombstone, [second.id])).rejects.toEqual(uniqueViolation(DITTOFEED_WORKSPACE_CONSTRAINTS.nameUnique));
      // Activating the first while "lifecycle" is taken is Dittofeed's WorkspaceConflict (a unique violation).
      await expect(pg.query(sql.activateTombstoned, [first.id])).rejects.toEqual(uniqueViolation(DITTOFEED_WORKSPACE_CONSTRAINTS.nameUnique));
      await pg.query(`DELETE FROM "Workspace" WHERE "id" = $1`, [second.id]);
      expect((await pg.query(sql.activateTombstoned, [first.id])).rowCount).toBe(1);
      expect(await get(first.id)).toEqual({ name: 'lifecycle', externalId: 'lc-ext', status: 'Active' });

      // pause/resume check no from-state: a Tombstoned workspace can be paused, or resumed with its prefixed name.
      expect((await pg.query(sql.tombstone, [first.id])).rowCount).toBe(1);
      expect((await pg.query(sql.pause, [first.id])).rowCount).toBe(1);
      expect(await get(first.id)).toEqual({ name: 'DfTombstoned-lifecycle', externalId: 'DfTombstoned-lc-ext', status: 'Paused' });
      expect((await pg.query(sql.tombstone, [first.id])).rowCount).toBe(0); // only from Active: Dittofeed returns ok, changes nothing
      expect((await pg.query(sql.resume, [first.id])).rowCount).toBe(1);
      expect(await get(first.id)).toEqual({ name: 'DfTombstoned-lifecycle', externalId: 'DfTombstoned-lc-ext', status: 'Active' });
      expect((await pg.query(sql.pause, [randomUUID()])).rowCount).toBe(0); // unknown id: no error
    });
  });
});

/** Segment-style events: one identify, a plain track, an internal message-sent event (hidden), two group events. */
function segmentEvents() {
  const t = (minute: number) => Date.UTC(2025, 2, 1, 12, minute);
  const iso = (minute: number) => new Date(t(minute)).toISOString();
  return [
    { processingTime: t(0), message: { type: 'identify', messageId: 'm-1', userId: 'user-1', timestamp: iso(0), traits: { plan: 'pro' } } },
    { processingTime: t(1), message: { type: 'track', messageId: 'm-2', userId: 'user-1', event: 'Clicked', timestamp: iso(1), properties: { button: 'buy' } } },
    {
      processingTime: t(2),
      message: {
        type: 'track', messageId: 'm-3', userId: 'user-1', event: 'DFInternalMessageSent', timestamp: iso(2), context: { hidden: true },
        properties: {
          templateId: 'tpl-1', broadcastId: 'bc-1', journeyId: 'jr-1', triggeringMessageId: 'trig-1', messageId: 'orig-1',
          variant: { type: 'Email', to: 'a@example.com', from: 'b@example.com' },
        },
      },
    },
    { processingTime: t(3), message: { type: 'track', messageId: 'm-4', userId: 'group-1', event: 'DFGroupUserAssignment', timestamp: iso(3), properties: { userId: 'user-2', assigned: true } } },
    { processingTime: t(4), message: { type: 'track', messageId: 'm-5', userId: 'user-2', event: 'DFUserGroupAssignment', timestamp: iso(4), properties: { groupId: 'group-1', assigned: true } } },
  ];
}
