import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';

export type QueryParams = Record<string, unknown>;

/**
 * The one door to ClickHouse. Every value travels as a bound query parameter (`{ws:String}`); SQL text
 * is only ever made of constants. Identifiers that vary (table names) come from code, never from input.
 */
export class ClickHouse {
  constructor(readonly client: ClickHouseClient) {}

  async rows<T>(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<T[]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings });
    return result.json<T>();
  }

  async one<T>(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<T> {
    const [row] = await this.rows<T>(query, params, settings);
    if (row === undefined) throw new Error(`query returned no row: ${query.slice(0, 120)}`);
    return row;
  }

  async command(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<void> {
    await this.client.command({ query, query_params: params, clickhouse_settings: settings });
  }

  /** Row values go in the request body as JSONEachRow, never into SQL text. */
  async insertRows(table: string, rows: ReadonlyArray<Record<string, unknown>>, settings: ClickHouseSettings = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow', clickhouse_settings: settings });
  }
}
