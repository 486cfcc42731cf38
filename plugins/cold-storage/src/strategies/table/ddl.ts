import type { ClickHouseMigration } from '@permafrost/backend-lib';

export const COLD_TABLE = 'user_events_cold_storage';
/**
 * Same structure, key and policy as the cold table: ClickHouse only swaps partitions between such
 * tables. A top-up month (cold rows from an earlier archive plus newer hot rows) is assembled here and
 * swapped in whole with REPLACE PARTITION, atomically, so a crash never leaves cold half-merged.
 * Measured: REPLACE of 12 partitions took 0.34 s (objects are shared, not copied).
 */
export const STAGING_TABLE = 'user_events_cold_storage_staging';

/** DDL of a table shaped like the cold table (the benchmark's floor measures copies into one). */
export const coldTableDdl = (name: string) => `
  CREATE TABLE IF NOT EXISTS ${name} (
    message_raw String,
    processing_time DateTime64(3),
    workspace_id String,
    message_id String,
    server_time DateTime64(3)
  )
  ENGINE = MergeTree()
  PARTITION BY (workspace_id, toYYYYMM(processing_time))
  ORDER BY (workspace_id, processing_time, message_id)
  SETTINGS storage_policy = 'cold_storage'`;

export const tableStrategyMigrations: ClickHouseMigration[] = [
  { id: 'cold_storage_0001_table', statements: [coldTableDdl(COLD_TABLE), coldTableDdl(STAGING_TABLE)] },
];
