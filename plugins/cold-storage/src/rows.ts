import { PERMAFROST_PROFILE, type EventTableSpec } from '@permafrost/backend-lib';

/**
 * The two hot tables cold storage moves, described once. Rows are never matched by content: what an
 * archive takes is fixed by the hot table's block-number bound (see HotSnapshot), and what a restore
 * brings back is a verified staging copy moved in whole. Content only serves as a FINGERPRINT: count
 * and fingerprint sum of two sets of rows must agree before anything is deleted or freed.
 */
export interface EventTable {
  /** Short name used in step keys, object names and reports: `events` or `internal`. */
  readonly kind: 'events' | 'internal';
  /** The hot table. */
  readonly hot: string;
  /** Columns that leave and come back (the others are DEFAULT expressions of these). */
  readonly columns: string;
  /** ClickHouse types of `columns`, for reading Parquet without schema inference. */
  readonly structure: string;
  /** Per-row fingerprint over `columns`. */
  readonly fingerprint: string;
}

/** A hot table as the data layer's schema profile describes it: the columns that travel, their types, their fingerprint. */
export function eventTable(kind: EventTable['kind'], spec: EventTableSpec): EventTable {
  const names = spec.columns.map((c) => c.name).join(', ');
  return { kind, hot: spec.table, columns: names, structure: spec.columns.map((c) => `${c.name} ${c.type}`).join(', '), fingerprint: `cityHash64(${names})` };
}

/** user_events_v2: five stored columns; every other column is a DEFAULT computed from message_raw. */
export const EVENTS: EventTable = eventTable('events', PERMAFROST_PROFILE.clickhouse.userEvents);

/** internal_events: filled by a view at ingestion, so it travels as a table of its own (all columns). */
export const INTERNAL: EventTable = eventTable('internal', PERMAFROST_PROFILE.clickhouse.internalEvents);

export const EVENT_TABLES: readonly EventTable[] = [EVENTS, INTERNAL];

/** Kept for strategy authors: the stored columns of user_events_v2 and their fingerprint. */
export const STORED_COLUMNS = EVENTS.columns;
export const ROW_FINGERPRINT = EVENTS.fingerprint;

/** count() and the fingerprint sum of a set of rows, compared as strings (UInt64 sums wrap identically on both sides). */
export interface RowDigest {
  rows: number;
  checksum: string;
}

export const EMPTY_DIGEST: RowDigest = { rows: 0, checksum: '0' };

export const digestSelect = (table: EventTable) => `count() AS rows, toString(sum(${table.fingerprint})) AS checksum`;

export function digestOf(row: { rows: string | number; checksum: string }): RowDigest {
  return { rows: Number(row.rows), checksum: row.checksum };
}

export function sameDigest(a: RowDigest, b: RowDigest): boolean {
  return a.rows === b.rows && BigInt(a.checksum) === BigInt(b.checksum);
}

const MODULUS = 1n << 64n;

/** The digest of the union of two disjoint sets of rows: counts add, UInt64 sums add modulo 2^64. */
export function digestPlus(a: RowDigest, b: RowDigest): RowDigest {
  return { rows: a.rows + b.rows, checksum: ((BigInt(a.checksum) + BigInt(b.checksum)) % MODULUS).toString() };
}

/** Months are partitions: YYYYMM in the engine's time zone, the same function the cold table partitions by. */
export const MONTH_OF = 'toYYYYMM(processing_time)';
