import type { ClickHouse, QueryParams } from '@permafrost/backend-lib';
import { DIGEST_SELECT, digestOf, MONTH_OF, type RowDigest } from '../rows';

/** Hot rows of one workspace-month that an archive with this watermark covers. */
export const HOT_MONTH_AT_WATERMARK = `workspace_id = {ws:String} AND ${MONTH_OF} = {month:UInt32} AND processing_time <= {watermark:DateTime64(3)}`;
/** All rows of one workspace-month (cold side, or hot side when restoring). */
export const WORKSPACE_MONTH = `workspace_id = {ws:String} AND ${MONTH_OF} = {month:UInt32}`;

export async function digest(ch: ClickHouse, from: string, where: string, params: QueryParams): Promise<RowDigest> {
  return digestOf(await ch.one<{ rows: string; checksum: string }>(`SELECT ${DIGEST_SELECT} FROM ${from} WHERE ${where}`, params));
}

/** [lower, upper) processing_time bounds of a page; null = open. */
export type PageBounds = [string | null, string | null];

/**
 * Splits a partition into pages of about `pageRows` rows by processing_time quantiles: a page is a key
 * range, so each INSERT … SELECT reads only its range (never OFFSET, which rereads all before it:
 * measured 10× slower). Bounds are computed once and checkpointed, so a retry pages identically.
 */
export async function pageBounds(ch: ClickHouse, from: string, where: string, params: QueryParams, rows: number, pageRows: number): Promise<PageBounds[]> {
  const pages = Math.ceil(rows / Math.max(1, pageRows));
  if (pages <= 1) return [[null, null]];
  // Levels are numbers we format, never input.
  const levels = Array.from({ length: pages - 1 }, (_, i) => ((i + 1) / pages).toFixed(6)).join(', ');
  const row = await ch.one<{ bounds: string[] }>(
    `SELECT arrayMap(t -> toString(t), arrayDistinct(quantilesExactLow(${levels})(processing_time))) AS bounds FROM ${from} WHERE ${where}`, params);
  const cuts = [...new Set(row.bounds)].sort();
  const result: PageBounds[] = [];
  let lower: string | null = null;
  for (const cut of cuts) {
    result.push([lower, cut]);
    lower = cut;
  }
  result.push([lower, null]);
  return result.filter(([lo, hi]) => lo === null || hi === null || lo < hi);
}

export function pageFilter(bounds: PageBounds): { sql: string; params: QueryParams } {
  const parts: string[] = [];
  const params: QueryParams = {};
  if (bounds[0] !== null) {
    parts.push('processing_time >= {pageFrom:DateTime64(3)}');
    params.pageFrom = bounds[0];
  }
  if (bounds[1] !== null) {
    parts.push('processing_time < {pageTo:DateTime64(3)}');
    params.pageTo = bounds[1];
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

/** Checks `signal` between steps: long operations stop at a safe point when the caller gives up. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('operation aborted');
}
