import { Workspace, WorkspaceTransition } from '../db/schema';
import { CreateWorkspace1764000000000 } from '../db/migrations/1764000000000-CreateWorkspace';
import { WorkspaceColdStorageColumns1764000050000 } from '../db/migrations/1764000050000-WorkspaceColdStorageColumns';
import { TransitionCompletedHooks1764000300000 } from '../db/migrations/1764000300000-TransitionCompletedHooks';
import { Inspection1764000400000 } from '../db/migrations/1764000400000-Inspection';
import { INTERNAL_EVENT_COLUMNS, INTERNAL_EVENTS_TABLE, STORED_EVENT_COLUMNS, USER_EVENTS_TABLE, userEventsMigrations } from '../userEvents/clickhouse';
import { originalValue, TOMBSTONE_PREFIX, tombstonedValue } from '../workspace-names';
import type { EventColumn, SchemaProfile } from './types';

/** ClickHouse types of the travelling columns: times are DateTime64(3), everything else String. */
export const columnsOf = (names: readonly string[], types: Record<string, string> = {}): EventColumn[] =>
  names.map((name) => ({ name, type: types[name] ?? (name.endsWith('_time') ? 'DateTime64(3)' : 'String') }));

/**
 * Permafrost's own schema (the default): the `workspace` table of db/migrations, snake_case columns,
 * timestamptz, global uniqueness, and a tombstone mark that embeds the workspace id (never collides).
 * Our tables live in the connection's default schema; our migrations create the event tables.
 */
export const PERMAFROST_PROFILE: SchemaProfile = Object.freeze<SchemaProfile>({
  name: 'permafrost',
  postgres: {
    workspace: {
      table: 'workspace',
      columns: {
        id: 'id', name: 'name', externalId: 'external_id', status: 'status', createdAt: 'created_at', updatedAt: 'updated_at',
        coldStorageState: 'cold_storage_state', coldStorageStrategy: 'cold_storage_strategy',
      },
      statusValues: { Active: 'Active', Paused: 'Paused', Tombstoned: 'Tombstoned' },
      timestamps: 'timestamptz',
      uniqueness: 'global',
      kindsWithoutEvents: [],
    },
    jobsSchema: 'pgboss',
    entities: [Workspace, WorkspaceTransition],
    migrations: [CreateWorkspace1764000000000, WorkspaceColdStorageColumns1764000050000, TransitionCompletedHooks1764000300000, Inspection1764000400000],
  },
  tombstone: {
    tombstoned: tombstonedValue,
    original: originalValue,
    reservedPrefix: TOMBSTONE_PREFIX,
    mayCollide: false,
  },
  clickhouse: {
    userEvents: { table: USER_EVENTS_TABLE, columns: columnsOf(STORED_EVENT_COLUMNS) },
    internalEvents: { table: INTERNAL_EVENTS_TABLE, columns: columnsOf(INTERNAL_EVENT_COLUMNS) },
    platformOwnsEventTables: false,
    coldTables: {
      events: { cold: 'user_events_cold_storage', staging: 'user_events_cold_storage_staging' },
      internal: { cold: 'internal_events_cold_storage', staging: 'internal_events_cold_storage_staging' },
    },
    reservedTables: [],
    migrations: userEventsMigrations,
  },
});
