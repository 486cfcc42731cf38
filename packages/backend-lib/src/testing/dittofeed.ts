import type { ClickHouseClient } from '@clickhouse/client';
import type { Client } from 'pg';
import { DITTOFEED_GROUP_EVENTS, DITTOFEED_STORED_COLUMNS } from '../dittofeed';
import { generateEvents } from '../userEvents/generate';

/**
 * Test helpers for a Dittofeed-shaped installation: seeding it the way Dittofeed writes, and reading
 * its tables back in forms that can be compared before and after Permafrost works on them.
 */

type Rows = Array<Record<string, unknown>>;

export async function rows<T = Record<string, unknown>>(ch: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await ch.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
}

/** A Dittofeed workspace row inserted as Dittofeed's Drizzle would (its defaults for the rest). */
export async function insertDittofeedWorkspace(pg: Client, values: { name: string; externalId?: string | null; domain?: string; type?: 'Root' | 'Child' | 'Parent'; parentWorkspaceId?: string }): Promise<string> {
  const { rows: [row] } = await pg.query(
    `INSERT INTO "Workspace" ("name", "externalId", "domain", "type", "parentWorkspaceId") VALUES ($1, $2, $3, $4::"WorkspaceType", $5) RETURNING "id"`,
    [values.name, values.externalId ?? null, values.domain ?? null, values.type ?? 'Root', values.parentWorkspaceId ?? null]);
  return row.id as string;
}

/**
 * Segment events as Dittofeed stores them: the five stored columns into user_events_v2 (its
 * insertUserEvents), which fires every view. Generated events (identify, track, page, DF internal
 * ones), plus hidden internal events and the group-assignment events Dittofeed's group views read.
 */
export async function insertDittofeedEvents(ch: ClickHouseClient, workspaceId: string, options: { count: number; seed: number; months?: number }): Promise<number> {
  const end = new Date(Date.UTC(2026, 0, 1));
  const generated = [...generateEvents({ count: options.count, months: options.months ?? 6, end, seed: options.seed, internalShare: 0.15, idPrefix: workspaceId.slice(0, 8) })];
  const extra = Array.from({ length: 6 }, (_, i) => {
    const at = new Date(end.getTime() - (i + 1) * 9 * 24 * 3600_000);
    const messageId = `${workspaceId.slice(0, 8)}-extra-${i}`;
    const message = i % 3 === 0
      ? { type: 'track', event: 'DFInternalMessageSent', userId: `user-${i}`, messageId, timestamp: at.toISOString(), context: { hidden: true }, properties: { templateId: `tpl-${i}`, variant: { type: 'Email', to: `u${i}@example.com`, from: 'b@example.com' } } }
      : i % 3 === 1
        ? { type: 'track', event: DITTOFEED_GROUP_EVENTS.groupUserAssignment, userId: `group-${i}`, messageId, timestamp: at.toISOString(), properties: { userId: `user-${i}`, assigned: true } }
        : { type: 'track', event: DITTOFEED_GROUP_EVENTS.userGroupAssignment, userId: `user-${i}`, messageId, timestamp: at.toISOString(), properties: { groupId: `group-${i}`, assigned: i % 2 === 0 } };
    return { message, messageId, processingTime: at, serverTime: at };
  });
  const values = [...generated, ...extra].map((e) => ({
    message_raw: JSON.stringify(e.message),
    processing_time: (e.processingTime as Date).getTime(),
    workspace_id: workspaceId,
    message_id: e.messageId!,
    server_time: (e.serverTime as Date).getTime(),
  }));
  await ch.insert({ table: 'user_events_v2', columns: [...DITTOFEED_STORED_COLUMNS], values, format: 'JSONEachRow' });
  return values.length;
}

/** Every row of the workspace in a table, every column, in a total order: equal arrays are equal multisets. */
export async function workspaceRows(ch: ClickHouseClient, table: string, workspaceId: string): Promise<Rows> {
  return rows(ch, `SELECT * FROM ${table} WHERE workspace_id = {ws:String} ORDER BY ALL`, { ws: workspaceId });
}

interface TableInfo {
  name: string;
  engine: string;
  sorting_key: string;
}

/**
 * What each table of the current database logically holds, per table: row count and a checksum over
 * every column, read so that background merges cannot change it — ReplacingMergeTree through FINAL,
 * AggregatingMergeTree merged by its key (states finished with their -Merge function, arrays sorted,
 * other columns by max). Views hold nothing themselves and are skipped.
 */
export async function databaseContents(ch: ClickHouseClient, options: { exclude?: string[]; excludeWorkspaces?: string[] } = {}): Promise<Record<string, { rows: number; checksum: string }>> {
  const tables = await rows<TableInfo>(ch,
    `SELECT name, engine, sorting_key FROM system.tables WHERE database = currentDatabase() AND engine NOT IN ('MaterializedView', 'View') ORDER BY name`);
  const result: Record<string, { rows: number; checksum: string }> = {};
  for (const t of tables.filter((x) => !(options.exclude ?? []).includes(x.name))) {
    const columns = await rows<{ name: string; type: string }>(ch,
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`, { t: t.name });
    const q = (c: string) => `\`${c}\``;
    const where = options.excludeWorkspaces?.length && columns.some((c) => c.name === 'workspace_id') ? ' WHERE workspace_id NOT IN {skip:Array(String)}' : '';
    let source: string;
    let hashed: string;
    if (t.engine === 'AggregatingMergeTree') {
      const keys = t.sorting_key.split(',').map((k) => k.trim());
      const select = columns.map((c) => {
        if (keys.includes(c.name)) return q(c.name);
        const agg = /^AggregateFunction\((\w+),/.exec(c.type);
        if (!agg) return `max(${q(c.name)}) AS ${q(c.name)}`;
        const merged = `${agg[1]}Merge(${q(c.name)})`;
        return `${agg[1] === 'groupArray' ? `arraySort(${merged})` : merged} AS ${q(c.name)}`;
      });
      source = `(SELECT ${select.join(', ')} FROM ${q(t.name)}${where} GROUP BY ${keys.map(q).join(', ')})`;
      hashed = columns.map((c) => q(c.name)).join(', ');
    } else {
      source = `${q(t.name)}${t.engine.startsWith('Replacing') ? ' FINAL' : ''}${where}`;
      hashed = columns.map((c) => q(c.name)).join(', ');
    }
    const [r] = await rows<{ n: string; h: string }>(ch, `SELECT count() AS n, toString(sum(cityHash64(${hashed}))) AS h FROM ${source}`, { skip: options.excludeWorkspaces ?? [] });
    result[t.name] = { rows: Number(r!.n), checksum: r!.h };
  }
  return result;
}
