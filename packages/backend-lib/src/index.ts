import 'reflect-metadata';

export { Workspace, WorkspaceTransition, WorkspaceStatusEnum, backendEntities } from './db/schema';
export { createDataSource, migratePostgres, backendMigrations, type PostgresContributions } from './db/data-source';
export { ClickHouse, type QueryParams } from './clickhouse/clickhouse';
export { migrateClickHouse, type ClickHouseMigration } from './clickhouse/migrations';
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
export { dataLayer, DATA_LAYER_PLUGIN, POSTGRES_CONTRIBUTIONS, CLICKHOUSE_MIGRATIONS, type DataLayerOptions } from './plugin';
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
