import type { ClickHouse } from '../clickhouse/clickhouse';
import { INTERNAL_EVENTS_TABLE, USER_EVENTS_TABLE } from '../userEvents/clickhouse';
import type { HotTable } from './types';

/** Each hot table and the column whose length stands for its payload. */
const HOT_TABLES = [
  { table: USER_EVENTS_TABLE, payload: 'message_raw' },
  { table: INTERNAL_EVENTS_TABLE, payload: 'properties' },
] as const;

/**
 * A workspace's hot rows per table. Both tables are ordered by workspace_id first, so the filter is a
 * primary-key range: the engine reads that workspace's granules only, whatever other workspaces hold.
 * Rows a lightweight delete (an archive) removed are not counted, even before the mutation is applied.
 */
export async function hotTables(ch: ClickHouse, workspaceId: string): Promise<HotTable[]> {
  return Promise.all(HOT_TABLES.map(async ({ table, payload }) => {
    const row = await ch.one<{ rows: string; bytes: string }>(
      `SELECT count() AS rows, sum(length(${payload})) AS bytes FROM ${table} WHERE workspace_id = {ws:String}`, { ws: workspaceId });
    return { table, rows: Number(row.rows), payloadBytes: Number(row.bytes) };
  }));
}

/** user_events_v2 rows of each workspace of a page: one primary-key-pruned query for the whole page. */
export async function hotRowsOf(ch: ClickHouse, workspaceIds: readonly string[]): Promise<Map<string, number>> {
  if (workspaceIds.length === 0) return new Map();
  const rows = await ch.rows<{ ws: string; rows: string }>(
    `SELECT workspace_id AS ws, count() AS rows FROM ${USER_EVENTS_TABLE} WHERE workspace_id IN {ids:Array(String)} GROUP BY ws`, { ids: workspaceIds });
  const counts = new Map(workspaceIds.map((id) => [id, 0]));
  for (const r of rows) counts.set(r.ws, Number(r.rows));
  return counts;
}
