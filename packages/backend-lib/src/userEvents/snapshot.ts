import type { ClickHouse } from '../clickhouse/clickhouse';
import { INTERNAL_EVENTS_TABLE, USER_EVENTS_TABLE } from './clickhouse';

export interface WorkspaceSnapshot {
  events: { rows: number; checksum: string };
  internal: { rows: number; checksum: string };
  /** Every column of a sample of rows, materialized ones included, as the engine prints them. */
  sample: Array<Record<string, unknown>>;
}

/**
 * Fingerprint of everything a workspace has in the hot tables: counts and a checksum over every column
 * (not only the five stored ones), plus a sample of whole rows to compare byte for byte.
 */
export async function snapshotWorkspace(ch: ClickHouse, workspaceId: string, sampleSize = 25): Promise<WorkspaceSnapshot> {
  const digest = async (table: string) => {
    const columns = (await ch.rows<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`, { t: table })).map((c) => c.name);
    // Column names come from system.columns, not from input.
    const row = await ch.one<{ rows: string; checksum: string }>(
      `SELECT count() AS rows, toString(sum(cityHash64(${columns.map((c) => `\`${c}\``).join(', ')}))) AS checksum FROM ${table} WHERE workspace_id = {ws:String}`,
      { ws: workspaceId });
    return { rows: Number(row.rows), checksum: row.checksum };
  };
  return {
    events: await digest(USER_EVENTS_TABLE),
    internal: await digest(INTERNAL_EVENTS_TABLE),
    sample: await ch.rows(`SELECT * FROM ${USER_EVENTS_TABLE} WHERE workspace_id = {ws:String} ORDER BY message_id LIMIT {n:UInt32}`, { ws: workspaceId, n: sampleSize }),
  };
}
