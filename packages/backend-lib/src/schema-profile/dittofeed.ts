import { ROW_IDENTITY_SETTING, INTERNAL_EVENT_COLUMNS, STORED_EVENT_COLUMNS } from '../userEvents/clickhouse';
import { WorkspaceTransition } from '../db/schema';
import { DittofeedTransitions1764000000001 } from '../db/migrations/dittofeed/1764000000001-DittofeedTransitions';
import { DittofeedInspection1764000400001 } from '../db/migrations/dittofeed/1764000400001-DittofeedInspection';
import { DittofeedWorkspaceColdStorageColumns1764000050001 } from '../db/migrations/dittofeed/1764000050001-DittofeedWorkspaceColdStorageColumns';
import { columnsOf } from './permafrost';
import type { SchemaProfile } from './types';

/** Dittofeed's WORKSPACE_TOMBSTONE_PREFIX (isomorphic-lib/src/constants.ts) and the dash its functions add. */
export const DITTOFEED_TOMBSTONE_MARK = 'DfTombstoned-';

/**
 * Every table and view Dittofeed creates in its ClickHouse database (packages/backend-lib/src/userEvents/
 * clickhouse.ts at the commit docs/dittofeed-schema.md names), its Kafka ingest pair and its own cold
 * table: Permafrost creates none of these names.
 */
export const DITTOFEED_CLICKHOUSE_TABLES = [
  'user_events_v2', 'internal_events', 'computed_property_state_v3', 'computed_property_assignments_v2',
  'processed_computed_properties_v2', 'updated_computed_property_state', 'updated_property_assignments_v2',
  'computed_property_state_index', 'resolved_segment_state', 'group_user_assignments', 'user_group_assignments',
  'user_property_index_config', 'user_property_idx_num', 'user_property_idx_str', 'user_property_idx_date',
  'user_events_cold_storage', 'user_events_queue_v2', 'user_events_mv_v2', 'internal_events_mv',
  'group_user_assignments_mv', 'user_group_assignments_mv', 'updated_computed_property_state_v3_mv',
  'updated_property_assignments_v2_mv', 'user_property_idx_num_mv', 'user_property_idx_str_mv', 'user_property_idx_date_mv',
] as const;

export interface DittofeedProfileOptions {
  /** Postgres schema of Dittofeed's tables (default `public`, where its Drizzle migrations put them). */
  workspaceSchema?: string;
  /** Postgres schema of Permafrost's own tables (default `permafrost`). */
  ownSchema?: string;
  /** pg-boss's schema (default `permafrost_pgboss`). */
  jobsSchema?: string;
}

/**
 * A Dittofeed installation as it is (facts: docs/dittofeed-schema.md): `"Workspace"` with quoted
 * camelCase columns, `"WorkspaceStatus"`, `timestamp(3)` in UTC, names unique per parent, Dittofeed's
 * `DfTombstoned-` naming (so Dittofeed's own activate and Permafrost's untombstone read each other's
 * tombstones), `internal_events` with `hidden`. Permafrost's Postgres tables go to a schema of their own;
 * its ClickHouse tables carry a `permafrost_` prefix (Dittofeed has its own `user_events_cold_storage`).
 * The ClickHouse client must be in Dittofeed's database (its CLICKHOUSE_DATABASE, default `dittofeed`);
 * Permafrost creates none of Dittofeed's tables and alters them only to turn on row identity.
 */
export function dittofeedProfile(options: DittofeedProfileOptions = {}): SchemaProfile {
  return {
    name: 'dittofeed',
    postgres: {
      workspace: {
        schema: options.workspaceSchema ?? 'public',
        table: 'Workspace',
        columns: {
          id: 'id', name: 'name', externalId: 'externalId', status: 'status', createdAt: 'createdAt', updatedAt: 'updatedAt',
          coldStorageState: 'coldStorageState', coldStorageStrategy: 'coldStorageStrategy', parentId: 'parentWorkspaceId', kind: 'type',
        },
        statusValues: { Active: 'Active', Paused: 'Paused', Tombstoned: 'Tombstoned' },
        timestamps: 'utc-timestamp',
        uniqueness: 'per-parent',
        // canWorkspaceReceiveEvents (Dittofeed's src/auth.ts): a Parent workspace takes no events.
        kindsWithoutEvents: ['Parent'],
      },
      ownSchema: options.ownSchema ?? 'permafrost',
      jobsSchema: options.jobsSchema ?? 'permafrost_pgboss',
      entities: [WorkspaceTransition],
      migrations: [DittofeedTransitions1764000000001, DittofeedWorkspaceColdStorageColumns1764000050001, DittofeedInspection1764000400001],
    },
    tombstone: {
      // Dittofeed's own rename (src/workspaces.ts tombstoneWorkspace): the mark without the id, an empty
      // external id untouched. Two tombstoned "acme"s under one parent collide: refused as CONFLICT.
      tombstoned: (_workspaceId: string, value: string) => (value === '' ? value : `${DITTOFEED_TOMBSTONE_MARK}${value}`),
      // Only a leading mark (Dittofeed removes the first occurrence anywhere; for a value it renamed, that is the leading one).
      original: (_workspaceId: string, value: string) => (value.startsWith(DITTOFEED_TOMBSTONE_MARK) ? value.slice(DITTOFEED_TOMBSTONE_MARK.length) : value),
      // Dittofeed's bootstrap refuses workspace names starting with the prefix itself.
      reservedPrefix: 'DfTombstoned',
      mayCollide: true,
    },
    clickhouse: {
      userEvents: { table: 'user_events_v2', columns: columnsOf(STORED_EVENT_COLUMNS) },
      internalEvents: { table: 'internal_events', columns: columnsOf([...INTERNAL_EVENT_COLUMNS, 'hidden'], { hidden: 'Bool' }) },
      platformOwnsEventTables: true,
      coldTables: {
        events: { cold: 'permafrost_user_events_cold', staging: 'permafrost_user_events_cold_staging' },
        internal: { cold: 'permafrost_internal_events_cold', staging: 'permafrost_internal_events_cold_staging' },
      },
      reservedTables: DITTOFEED_CLICKHOUSE_TABLES,
      migrations: [{
        id: 'dittofeed_0001_row_identity',
        // The only change to Dittofeed's tables: archives own rows by block number (see ROW_IDENTITY_SETTING).
        statements: [
          `ALTER TABLE user_events_v2 MODIFY SETTING ${ROW_IDENTITY_SETTING}`,
          `ALTER TABLE internal_events MODIFY SETTING ${ROW_IDENTITY_SETTING}`,
        ],
      }],
    },
  };
}
