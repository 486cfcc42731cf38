import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { ClusterOptions } from './cluster';

export type QueryParams = Record<string, unknown>;

/**
 * The one door to ClickHouse. Every value travels as a bound query parameter (`{ws:String}`); SQL text
 * is only ever made of constants. Identifiers that vary (table names) come from code, never from input.
 *
 * Settings go into the statement's own SETTINGS clause, never through `clickhouse_settings`: the chDB
 * connection turns those into session-wide `SET`s that outlive the statement (measured: a
 * `max_rows_to_read` given to one command failed every later query), and operations of different
 * workspaces share that session concurrently.
 */
export class ClickHouse {
  /** Set when the tables live on a cluster: DDL made at run time (restore staging) must be created ON CLUSTER. */
  constructor(readonly client: ClickHouseClient, readonly cluster?: ClusterOptions) {}

  async rows<T>(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<T[]> {
    const result = await this.client.query({ query: withSettings(query, settings), query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  async one<T>(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<T> {
    const [row] = await this.rows<T>(query, params, settings);
    if (row === undefined) throw new Error(`query returned no row: ${query.slice(0, 120)}`);
    return row;
  }

  async command(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<void> {
    await this.client.command({ query: withSettings(query, settings), query_params: params });
  }

  /** Row values go in the request body as JSONEachRow, never into SQL text. */
  async insertRows(table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
  }
}

const SETTING_NAME = /^[a-z][a-z0-9_]*$/;

/** Appends `SETTINGS k = v, …`; names are checked and string values quoted, though both come from our code. */
export function withSettings(query: string, settings: ClickHouseSettings): string {
  const entries = Object.entries(settings).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return query;
  const clause = entries.map(([name, value]) => {
    if (!SETTING_NAME.test(name)) throw new Error(`invalid ClickHouse setting name ${JSON.stringify(name)}`);
    if (typeof value === 'number' || typeof value === 'boolean') return `${name} = ${Number(value)}`;
    const text = String(value);
    return /^-?\d+(\.\d+)?$/.test(text) ? `${name} = ${text}` : `${name} = '${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  });
  return `${query.replace(/;\s*$/, '')}\nSETTINGS ${clause.join(', ')}`;
}
