import { InvalidInputError } from '@permafrost/core/plugin';
import { isUuid } from '../ids';
import type { HistoryEntry, HistoryPosition, PositionedEntry } from './types';

/**
 * Cursors are opaque to callers (base64url JSON) and checked on the way back in: a cursor that was not
 * made here is INVALID_INPUT, before any query runs, never a malformed value bound into SQL.
 */
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const SOURCE = /^[a-z0-9][a-z0-9-]*$/;

export interface HistoryCursor extends HistoryPosition {
  /** The provider whose entry the page ended on (ties between providers at one instant break by name). */
  source: string;
}

export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(cursor: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw invalid(what);
}

function invalid(what: string): InvalidInputError {
  return new InvalidInputError(`The cursor is not one a ${what} page returned; pass the nextCursor of the previous page, or none to start from the first page. Nothing was read.`);
}

export function decodeHistoryCursor(cursor: string): HistoryCursor {
  const v = decode(cursor, 'history');
  if (typeof v.at !== 'string' || !ISO_MICROS.test(v.at) || !isUuid(v.id) || typeof v.source !== 'string' || !SOURCE.test(v.source)) throw invalid('history');
  return { at: v.at, id: v.id, source: v.source };
}

/** Status pages are keyed by workspace id alone (the id order is the index order). */
export function decodeStatusCursor(cursor: string): string {
  const v = decode(cursor, 'status');
  if (!isUuid(v.after)) throw invalid('status');
  return v.after;
}

/** The first uuid above every real id and the one below: bounds that make a strict tuple comparison inclusive or exclusive of an instant. */
export const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
export const MIN_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The bound a provider applies so that a merged, newest-first history (ordered by start, then provider
 * name, then id, all descending) resumes exactly after the cursor: entries of the cursor's provider
 * before (at, id); entries of a provider that sorts before it at the same instant or earlier; of one that
 * sorts after it, strictly earlier only.
 */
export function boundFor(source: string, cursor: HistoryCursor | undefined): HistoryPosition | undefined {
  if (!cursor) return undefined;
  if (source === cursor.source) return { at: cursor.at, id: cursor.id };
  return { at: cursor.at, id: source < cursor.source ? MAX_UUID : MIN_UUID };
}

/** Newest first: start, then provider name, then id, all descending. */
export function compareNewestFirst(a: { position: HistoryPosition; source: string }, b: { position: HistoryPosition; source: string }): number {
  return cmp(b.position.at, a.position.at) || cmp(b.source, a.source) || cmp(b.position.id, a.position.id);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One page of a merged history: each source returned up to `limit + 1` entries after its bound (see
 * boundFor); merged newest first, the first `limit` are the page, and anything left over proves there
 * is a next one, which starts after the page's last entry.
 */
export function mergeNewestFirst(sources: ReadonlyArray<{ name: string; entries: readonly PositionedEntry[] }>, limit: number): { entries: HistoryEntry[]; nextCursor: string | null } {
  const merged = sources.flatMap((s) => s.entries.map((e) => ({ ...e, source: s.name }))).sort(compareNewestFirst);
  const page = merged.slice(0, limit);
  const last = page.at(-1);
  return {
    entries: page.map((e) => e.entry),
    nextCursor: merged.length > limit && last ? encodeCursor({ ...last.position, source: last.source }) : null,
  };
}
