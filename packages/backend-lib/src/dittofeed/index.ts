/**
 * Dittofeed-shaped schema fixtures (issue 16): Dittofeed's Postgres "Workspace" table and its ClickHouse
 * event tables and materialized views, written by us from its code, for testing Permafrost against a
 * Dittofeed installation's real shapes. Facts and differences: docs/dittofeed-schema.md.
 */
export { DITTOFEED_SOURCE } from './source';
export {
  DITTOFEED_WORKSPACE_TABLE,
  DITTOFEED_WORKSPACE_STATUS_TYPE,
  DITTOFEED_WORKSPACE_TYPE_TYPE,
  DITTOFEED_WORKSPACE_STATUSES,
  DITTOFEED_WORKSPACE_TYPES,
  DITTOFEED_WORKSPACE_COLUMNS,
  DITTOFEED_WORKSPACE_CONSTRAINTS,
  DITTOFEED_TOMBSTONE_PREFIX,
  DITTOFEED_USER_PROPERTY_TABLE,
  dittofeedPostgresSchema,
  dittofeedLifecycleSql,
  type DittofeedWorkspaceStatus,
} from './postgres-schema';
export {
  DITTOFEED_USER_EVENTS_COLUMNS,
  DITTOFEED_STORED_COLUMNS,
  DITTOFEED_INTERNAL_EVENTS_COLUMNS,
  DITTOFEED_GROUP_EVENTS,
  FIXTURE_COMPUTED_PROPERTY_ID,
  FIXTURE_STATE_ID,
  dittofeedClickHouseSchema,
  createDittofeedClickHouseSchema,
  viewsFiredBy,
  type DdlKind,
  type DdlStatement,
  type DittofeedClickHouseSchema,
  type DittofeedClickHouseSchemaOptions,
} from './clickhouse-schema';
