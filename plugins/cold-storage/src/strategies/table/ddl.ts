import type { ClickHouseMigration } from '@permafrost/backend-lib';
import { EVENTS, INTERNAL, type EventTable } from '../../rows';

export const COLD_TABLE = 'user_events_cold_storage';
/**
 * Same structure, key and policy as the cold table: ClickHouse only swaps partitions between such
 * tables. A top-up month (cold rows from an earlier archive plus newer hot rows) is assembled here and
 * swapped in whole with REPLACE PARTITION, atomically, so a crash never leaves cold half-merged.
 * Measured: REPLACE of 12 partitions took 0.34 s (objects are shared, not copied).
 */
export const STAGING_TABLE = 'user_events_cold_storage_staging';
/** internal_events' cold twin: every column, so a row comes back exactly as it left. */
export const COLD_INTERNAL_TABLE = 'internal_events_cold_storage';
export const STAGING_INTERNAL_TABLE = 'internal_events_cold_storage_staging';

/** The cold and cold-staging tables of a hot table. */
export interface ColdTables {
  cold: string;
  staging: string;
}

export const coldTablesOf = (table: EventTable): ColdTables =>
  table.kind === 'events' ? { cold: COLD_TABLE, staging: STAGING_TABLE } : { cold: COLD_INTERNAL_TABLE, staging: STAGING_INTERNAL_TABLE };

/** DDL of a table shaped like the cold table (the benchmark's floor measures copies into one). */
export const coldTableDdl = (name: string) => coldDdl(name, EVENTS, 'workspace_id, processing_time, message_id');

const coldInternalDdl = (name: string) => coldDdl(name, INTERNAL, 'workspace_id, processing_time, event, message_id');

/**
 * Each cold row carries its fingerprint, computed by the engine from the row as it writes the part: an
 * archive verifies its copy (count and fingerprint sum per month equal the hot rows') by reading this
 * 8-byte column instead of every column back from S3 (1M events: 0.1 s instead of 0.6–1.2 s). The
 * column is MATERIALIZED: never inserted, never in SELECT *, recomputed from the columns for parts
 * written before it existed. Restores still read every column and check them against the digest the
 * archive recorded, before anything moves hot.
 */
export const FINGERPRINT_COLUMN = 'row_fingerprint';
const fingerprintColumn = (table: EventTable) => `${FINGERPRINT_COLUMN} UInt64 MATERIALIZED ${table.fingerprint}`;

function coldDdl(name: string, table: EventTable, orderBy: string): string {
  return `
  CREATE TABLE IF NOT EXISTS ${name} (
    ${table.structure.split(', ').join(',\n    ')},
    ${fingerprintColumn(table)}
  )
  ENGINE = MergeTree()
  PARTITION BY (workspace_id, toYYYYMM(processing_time))
  ORDER BY (${orderBy})
  SETTINGS storage_policy = 'cold_storage'`;
}

export const tableStrategyMigrations: ClickHouseMigration[] = [
  { id: 'cold_storage_0001_table', statements: [coldTableDdl(COLD_TABLE), coldTableDdl(STAGING_TABLE)] },
  { id: 'cold_storage_0002_internal', statements: [coldInternalDdl(COLD_INTERNAL_TABLE), coldInternalDdl(STAGING_INTERNAL_TABLE)] },
  {
    id: 'cold_storage_0003_row_fingerprint',
    statements: [
      ...[COLD_TABLE, STAGING_TABLE].map((t) => `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${fingerprintColumn(EVENTS)}`),
      ...[COLD_INTERNAL_TABLE, STAGING_INTERNAL_TABLE].map((t) => `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${fingerprintColumn(INTERNAL)}`),
    ],
  },
];
