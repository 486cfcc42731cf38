export type {
  SchemaProfile, SchemaProfileName, PostgresProfile, WorkspaceTableSpec, WorkspaceColumns, TombstoneNaming,
  ClickHouseProfile, EventTableSpec, EventColumn, ColdTableNames,
} from './types';
export { PERMAFROST_PROFILE } from './permafrost';
export { dittofeedProfile, DITTOFEED_TOMBSTONE_MARK, DITTOFEED_CLICKHOUSE_TABLES, type DittofeedProfileOptions } from './dittofeed';
export { resolveSchemaProfile } from './resolve';
export { schemaProfileOf } from './registry';
export { quoteIdent, qualified, workspaceReference, ownTable } from './sql';
