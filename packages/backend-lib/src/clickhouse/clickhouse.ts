import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { PermafrostError } from '@permafrost/core';
import type { ClusterOptions } from './cluster';
import { assertQueryIdPrefix, nextQueryId, outsideQueryScope } from './query-scope';
import { waitUntilNone } from './wait-until-none';

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
    const result = await this.client.query({ query: withSettings(query, settings), query_params: params, format: 'JSONEachRow', query_id: nextQueryId() });
    return result.json<T>();
  }

  async one<T>(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<T> {
    const [row] = await this.rows<T>(query, params, settings);
    if (row === undefined) throw new Error(`query returned no row: ${query.slice(0, 120)}`);
    return row;
  }

  async command(query: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<void> {
    await this.client.command({ query: withSettings(query, settings), query_params: params, query_id: nextQueryId() });
  }

  /** Row values go in the request body as JSONEachRow, never into SQL text. */
  async insertRows(table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow', query_id: nextQueryId() });
  }

  /**
   * Stops every statement whose query id starts with `prefix` (see query-scope.ts) and waits until none
   * runs, on every replica when the tables live on a cluster; returns how many were running. A statement
   * that does not stop within `timeoutMs` is an error: the caller must not write where it writes.
   */
  async stopQueries(prefix: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<number> {
    assertQueryIdPrefix(prefix);
    // Called inside a scope of the same prefix, the KILL and the count would carry its ids and find
    // themselves among the statements to stop.
    return outsideQueryScope(() => this.killAndWait(prefix, options));
  }

  private async killAndWait(prefix: string, options: { timeoutMs?: number; pollMs?: number }): Promise<number> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    // KILL … ON CLUSTER is distributed DDL, which takes no bound parameter: the prefix, checked above
    // (our own operation id), enters the text there; everywhere else it is bound.
    const killed = this.cluster
      ? await this.rows<{ query_id: string }>(`KILL QUERY ON CLUSTER ${this.cluster.name} WHERE startsWith(query_id, '${prefix}') ASYNC`)
      : await this.rows<{ query_id: string }>('KILL QUERY WHERE startsWith(query_id, {prefix:String}) ASYNC', { prefix });
    if (killed.length === 0) return 0;
    const processes = this.cluster ? 'clusterAllReplicas({cluster:String}, system.processes)' : 'system.processes';
    const running = await waitUntilNone(async () => Number((await this.one<{ n: string }>(
      `SELECT count() AS n FROM ${processes} WHERE startsWith(query_id, {prefix:String})`, { prefix, cluster: this.cluster?.name })).n), timeoutMs, options.pollMs);
    if (running > 0) throw new QueriesStillRunningError(prefix, running, timeoutMs);
    return killed.length;
  }
}

/** `QUERIES_STILL_RUNNING`: statements of an earlier attempt did not stop when told to. */
export class QueriesStillRunningError extends PermafrostError {
  readonly code = 'QUERIES_STILL_RUNNING';
  constructor(prefix: string, running: number, timeoutMs: number) {
    super(`${running} statement(s) of an earlier attempt (query ids ${prefix}…) still run on ClickHouse ${timeoutMs} ms after KILL QUERY; nothing was changed. Retry later, or see system.processes for what they wait on.`);
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
