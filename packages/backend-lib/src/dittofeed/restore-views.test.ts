import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { bootstrap, silentLogger, type PermafrostApp } from '@permafrost/core';
import { startTestStack, type TestStack } from '@permafrost/dev-stack/testing';
import { coldStorage, ColdStorageService } from '@permafrost/plugin-cold-storage';
import { Client } from 'pg';
import { dataLayer } from '../plugin';
import { insertDittofeedEvents, insertDittofeedWorkspace, rows } from '../testing/dittofeed';
import { WorkspaceService } from '../workspaces';
import { createDittofeedClickHouseSchema, dittofeedPostgresSchema, FIXTURE_COMPUTED_PROPERTY_ID, type DittofeedClickHouseSchema } from './index';

/**
 * What each derived table of Dittofeed's says about one workspace, in numbers no background merge can
 * change: plain MergeTree row counts, aggregate states merged (groupArray keeps every message id it was
 * fed, so its total length counts inserts), ReplacingMergeTree rows under FINAL.
 */
interface DerivedNumbers {
  internalEvents: number;
  stateGroupedMessageIds: number;
  stateUniqueMessageIds: number;
  updatedComputedPropertyState: number;
  groupUserAssignmentsFinal: number;
  userGroupAssignmentsFinal: number;
}

async function derivedNumbers(ch: ClickHouseClient, workspaceId: string): Promise<DerivedNumbers> {
  const one = async (query: string) => Number((await rows<{ n: string }>(ch, query, { ws: workspaceId, cp: FIXTURE_COMPUTED_PROPERTY_ID }))[0]!.n);
  return {
    internalEvents: await one(`SELECT count() AS n FROM internal_events WHERE workspace_id = {ws:String}`),
    stateGroupedMessageIds: await one(`SELECT sum(length(g)) AS n FROM (SELECT groupArrayMerge(grouped_message_ids) AS g FROM computed_property_state_v3 WHERE workspace_id = {ws:String} AND computed_property_id = {cp:String} GROUP BY user_id)`),
    stateUniqueMessageIds: await one(`SELECT sum(u) AS n FROM (SELECT uniqMerge(unique_count) AS u FROM computed_property_state_v3 WHERE workspace_id = {ws:String} AND computed_property_id = {cp:String} GROUP BY user_id)`),
    updatedComputedPropertyState: await one(`SELECT count() AS n FROM updated_computed_property_state WHERE workspace_id = {ws:String}`),
    groupUserAssignmentsFinal: await one(`SELECT count() AS n FROM group_user_assignments FINAL WHERE workspace_id = {ws:String}`),
    userGroupAssignmentsFinal: await one(`SELECT count() AS n FROM user_group_assignments FINAL WHERE workspace_id = {ws:String}`),
  };
}

const delta = (a: DerivedNumbers, b: DerivedNumbers) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof DerivedNumbers] - a[k as keyof DerivedNumbers]])) as Record<keyof DerivedNumbers, number>;

// Integration (chDB, embedded Postgres, s3rver): Dittofeed's views present, two workspaces with the same
// events; one goes through Permafrost's pause → resume, the other through the restore Dittofeed's own
// cold storage does (INSERT … SELECT back into user_events_v2), measured side by side.
describe('a restore and Dittofeed\'s materialized views (measured)', () => {
  let stack: TestStack;
  let schema: DittofeedClickHouseSchema;
  let df: ClickHouseClient;
  let pg: Client;
  let app: PermafrostApp;

  beforeAll(async () => {
    stack = await startTestStack();
    schema = await createDittofeedClickHouseSchema(stack.clickhouse, { database: `dittofeed_views_${randomBytes(5).toString('hex')}`, coldStorage: true });
    df = await stack.clickhouseIn(schema.database);
    pg = new Client({ connectionString: stack.postgresUrl });
    await pg.connect();
    for (const statement of dittofeedPostgresSchema()) await pg.query(statement);
    app = await bootstrap({
      plugins: [dataLayer({ schema: 'dittofeed', postgresUrl: stack.postgresUrl, clickhouse: df }), coldStorage({ s3: stack.s3 })],
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    await app?.shutdown();
    await pg?.end();
    await df?.close();
    if (schema) await stack?.clickhouse.command({ query: schema.dropDatabase }).catch(() => undefined);
    await stack?.stop();
  });

  it('Permafrost\'s restore moves parts, so no view fires: every derived number is unchanged; an INSERT replay counts every event again', async () => {
    const permafrost = await insertDittofeedWorkspace(pg, { name: 'via-permafrost' });
    const replayed = await insertDittofeedWorkspace(pg, { name: 'via-insert-replay' });
    const events = await insertDittofeedEvents(df, permafrost, { count: 500, seed: 4 });
    await insertDittofeedEvents(df, replayed, { count: 500, seed: 4 });
    const before = { permafrost: await derivedNumbers(df, permafrost), replayed: await derivedNumbers(df, replayed) };
    expect(before.permafrost).toEqual(before.replayed); // same events, same derived numbers
    expect(before.permafrost.internalEvents).toBeGreaterThan(0);
    expect(before.permafrost.stateGroupedMessageIds).toBe(events);

    const workspaces = app.resolve(WorkspaceService);
    await workspaces.pauseWorkspace(permafrost);
    await app.resolve(ColdStorageService).settle(permafrost);
    const paused = await derivedNumbers(df, permafrost);
    await workspaces.resumeWorkspace(permafrost);
    const after = await derivedNumbers(df, permafrost);

    // Dittofeed's own cold storage (src/workspaces.ts coldStoreWorkspaceEvents / restoreWorkspaceEvents),
    // with its deletes waited for here: copy to its cold table, delete hot, then INSERT … SELECT back
    // ("MV will repopulate internal_events"). Settings inline: a chDB client's clickhouse_settings outlive the statement.
    const ws = { ws: replayed };
    await df.command({ query: `INSERT INTO user_events_cold_storage (message_raw, processing_time, workspace_id, message_id, server_time) SELECT message_raw, processing_time, workspace_id, message_id, server_time FROM user_events_v2 WHERE workspace_id = {ws:String}`, query_params: ws });
    await df.command({ query: `DELETE FROM user_events_v2 WHERE workspace_id = {ws:String} SETTINGS mutations_sync = 2`, query_params: ws });
    await df.command({ query: `DELETE FROM internal_events WHERE workspace_id = {ws:String} SETTINGS mutations_sync = 2`, query_params: ws });
    await df.command({ query: `INSERT INTO user_events_v2 (message_raw, processing_time, workspace_id, message_id, server_time) SELECT message_raw, processing_time, workspace_id, message_id, server_time FROM user_events_cold_storage WHERE workspace_id = {ws:String}`, query_params: ws });
    await df.command({ query: `DELETE FROM user_events_cold_storage WHERE workspace_id = {ws:String} SETTINGS mutations_sync = 2`, query_params: ws });
    const replayedAfter = await derivedNumbers(df, replayed);

    const measured = { events, permafrost: { paused: delta(before.permafrost, paused), resumed: delta(before.permafrost, after) }, insertReplay: delta(before.replayed, replayedAfter) };
    console.log(`derived-table deltas for ${events} events: ${JSON.stringify(measured)}`);

    const unchanged = delta(before.permafrost, before.permafrost);
    // Paused: internal_events travels cold with user_events_v2; the derived tables keep their rows.
    expect(measured.permafrost.paused).toEqual({ ...unchanged, internalEvents: -before.permafrost.internalEvents });
    expect(measured.permafrost.resumed).toEqual(unchanged); // and the restore fires nothing
    // The replay: the per-user aggregation is fed every event again, and its downstream view fires again.
    expect(measured.insertReplay.stateGroupedMessageIds).toBe(events);
    expect(measured.insertReplay.updatedComputedPropertyState).toBeGreaterThan(0);
    // Numbers that survive a replay only because of how their table is built: internal_events was
    // deleted first and refilled; uniq and FINAL collapse the twins.
    expect(measured.insertReplay).toMatchObject({ internalEvents: 0, stateUniqueMessageIds: 0, groupUserAssignmentsFinal: 0, userGroupAssignmentsFinal: 0 });
  });
});
