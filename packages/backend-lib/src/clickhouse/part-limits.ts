import type { ClickHouse } from './clickhouse';

/** A MergeTree table's active parts against the limit where the engine refuses every insert into it. */
export interface TablePartLimit {
  table: string;
  activeParts: number;
  /** Effective `max_parts_in_total`: the table's own SETTINGS, else the engine default. */
  maxPartsInTotal: number;
  limitSource: 'table' | 'engine';
}

const TABLE_LIMIT = /\bmax_parts_in_total\s*=\s*(\d+)/;

/**
 * Parts and the part limit of tables in the current database, named or on a storage policy, from table
 * metadata only: one row per table from system.tables (the engine keeps its active part count; no part
 * is enumerated) and the engine's default from system.merge_tree_settings.
 */
export async function tablePartLimits(ch: ClickHouse, which: { tables: readonly string[] } | { policy: string }): Promise<TablePartLimit[]> {
  const filter = 'tables' in which ? 'name IN {tables:Array(String)}' : 'storage_policy = {policy:String}';
  const [rows, engine] = await Promise.all([
    ch.rows<{ name: string; parts: string; engine: string }>(
      `SELECT name, toString(ifNull(active_parts, 0)) AS parts, engine_full AS engine FROM system.tables
       WHERE database = currentDatabase() AND ${filter} ORDER BY name`,
      'tables' in which ? { tables: [...which.tables] } : { policy: which.policy }),
    ch.one<{ value: string }>(`SELECT value FROM system.merge_tree_settings WHERE name = 'max_parts_in_total'`),
  ]);
  return rows.map((t) => {
    const own = TABLE_LIMIT.exec(t.engine)?.[1];
    return { table: t.name, activeParts: Number(t.parts), maxPartsInTotal: Number(own ?? engine.value), limitSource: own === undefined ? 'engine' : 'table' };
  });
}
