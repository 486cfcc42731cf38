import 'reflect-metadata';

export { Workspace, WorkspaceTransition, WorkspaceStatusEnum, COLD_STORAGE_STATES, backendEntities, type ColdStorageState } from './db/schema';
export { createDataSource, migratePostgres, ensureOwnSchema, backendMigrations, type PostgresContributions } from './db/data-source';
export { ClickHouse, QueriesStillRunningError, type QueryParams } from './clickhouse/clickhouse';
export { withQueryIdPrefix, nextQueryId } from './clickhouse/query-scope';
export { waitUntilNone } from './clickhouse/wait-until-none';
export { migrateClickHouse, type ClickHouseMigration } from './clickhouse/migrations';
export { forCluster, createTableLike, checkCluster, ClusterConfigError, DEFAULT_ZOOKEEPER_PATH_PREFIX, type ClusterOptions } from './clickhouse/cluster';
export { tablePartLimits, type TablePartLimit } from './clickhouse/part-limits';
export {
  USER_EVENTS_TABLE,
  INTERNAL_EVENTS_TABLE,
  STORED_EVENT_COLUMNS,
  INTERNAL_EVENT_COLUMNS,
  ROW_IDENTITY_SETTING,
  INTERNAL_EVENT_PREFIX,
  userEventsMigrations,
} from './userEvents/clickhouse';
export { insertUserEvents, type UserEventInput, type InsertUserEventsResult } from './userEvents/ingest';
export { deleteUsers, ASYNC_DELETE_SETTINGS, USER_KEYED_TABLES, type DeleteUsersResult } from './users';
export { WorkspaceService, type CreateWorkspaceInput, type TransitionOptions } from './workspaces';
export { UserEventsService } from './user-events-service';
export { PostgresWorkspaceStateStore, WORKSPACE_LOCK_OPTIONS, type WorkspaceLockOptions } from './workspace-state-store';
export { dataLayer, DATA_LAYER_PLUGIN, POSTGRES_CONTRIBUTIONS, CLICKHOUSE_MIGRATIONS, INSPECTION_PROVIDERS, type DataLayerOptions, type ClickHouseMigrations } from './plugin';
export {
  PERMAFROST_PROFILE, dittofeedProfile, resolveSchemaProfile, schemaProfileOf, workspaceReference, ownTable, quoteIdent, qualified,
  DITTOFEED_TOMBSTONE_MARK, DITTOFEED_CLICKHOUSE_TABLES,
  type SchemaProfile, type SchemaProfileName, type PostgresProfile, type WorkspaceTableSpec, type WorkspaceColumns, type TombstoneNaming,
  type ClickHouseProfile, type EventTableSpec, type EventColumn, type ColdTableNames, type DittofeedProfileOptions,
} from './schema-profile';
export { SchemaMismatchError } from './schema-profile/errors';
export { checkEventTables } from './schema-profile/check-event-tables';
export { uninstallFromPlatform, type UninstallReport } from './schema-profile/uninstall';
export { WorkspaceTable, SCHEMA_PROFILE, type WorkspaceRecord, type WorkspaceColdState, type SqlRunner } from './workspace-table';
export { isUuid, assertWorkspaceId } from './ids';
export { generateEvents, isInternalEventName, type GenerateEventsOptions } from './userEvents/generate';
export { seedEvents, seedFleetEvents, type SeedOptions, type FleetSeedOptions } from './userEvents/seed';
export { snapshotWorkspace, type WorkspaceSnapshot } from './userEvents/snapshot';
export {
  TRANSITION_JOBS, OperationTimeoutError, DatabaseBusyError,
  type TransitionJobs, type TransitionJob, type JobOutcome, type OperationResult, type SqlExecutor, type WorkOptions,
} from './jobs/transition-jobs';
export { PgBossTransitionJobs, ensureQueue, TRANSITION_QUEUE, DEAD_LETTER_QUEUE, type PgBossJobsOptions } from './jobs/pg-boss-transition-jobs';
export { transitionJobHandler, workerId } from './jobs/transition-worker';
export { WorkspaceInspector, HISTORY_LIMIT, STATUS_LIMIT, DEFAULT_DEADLINE_MS } from './inspection/inspector';
export { nextAction, describeAction, type NextActionFacts } from './inspection/next-action';
export { isoMicros, iso, durationMs } from './inspection/sql-time';
export type * from './inspection/types';
