import { PERMAFROST_PROFILE, type ClickHouseMigration, type SchemaProfile } from '@permafrost/backend-lib';
import { EVENTS, INTERNAL, type EventTable } from '../../rows';
import { coldStorageTables, DEFAULT_TABLES, type ColdStorageTables, type ColdTables } from '../../tables';

export type { ColdTables } from '../../tables';

/** The default names (Permafrost's schema profile); the data layer's profile names them per deployment. */
const DEFAULT_NAMES = PERMAFROST_PROFILE.clickhouse.coldTables;

export const COLD_TABLE = DEFAULT_NAMES.events.cold;
/**
 * Same structure, key and policy as the cold table: ClickHouse only swaps partitions between such
 * tables. A top-up month (cold rows from an earlier archive plus newer hot rows) is assembled here and
 * swapped in whole with REPLACE PARTITION, atomically, so a crash never leaves cold half-merged.
 * Measured: REPLACE of 12 partitions took 0.34 s (objects are shared, not copied).
 */
export const STAGING_TABLE = DEFAULT_NAMES.events.staging;
/** internal_events' cold twin: every column, so a row comes back exactly as it left. */
export const COLD_INTERNAL_TABLE = DEFAULT_NAMES.internal.cold;
export const STAGING_INTERNAL_TABLE = DEFAULT_NAMES.internal.staging;

/** The cold and cold-staging tables of a hot table, under `tables`' names. */
export const coldTablesOf = (table: EventTable, tables: ColdStorageTables = DEFAULT_TABLES): ColdTables => tables.coldOf(table);

/** DDL of a table shaped like the cold table (the benchmark's floor measures copies into one). */
export const coldTableDdl = (name: string, table: EventTable = EVENTS) => coldDdl(name, table, 'workspace_id, processing_time, message_id');

const coldInternalDdl = (name: string, table: EventTable = INTERNAL) => coldDdl(name, table, 'workspace_id, processing_time, event, message_id');

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

/** The cold tables of the data layer's profile (names and internal_events' columns come from it). */
export function tableStrategyMigrations(profile: SchemaProfile): ClickHouseMigration[] {
  const t = coldStorageTables(profile);
  const events = t.coldOf(t.events);
  const internal = t.coldOf(t.internal);
  return [
    { id: 'cold_storage_0001_table', statements: [coldTableDdl(events.cold, t.events), coldTableDdl(events.staging, t.events)] },
    { id: 'cold_storage_0002_internal', statements: [coldInternalDdl(internal.cold, t.internal), coldInternalDdl(internal.staging, t.internal)] },
    {
      id: 'cold_storage_0003_row_fingerprint',
      statements: [
        ...[events.cold, events.staging].map((name) => `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${fingerprintColumn(t.events)}`),
        ...[internal.cold, internal.staging].map((name) => `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${fingerprintColumn(t.internal)}`),
      ],
    },
  ];
}
