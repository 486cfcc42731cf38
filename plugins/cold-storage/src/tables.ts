import { PERMAFROST_PROFILE, type SchemaProfile } from '@permafrost/backend-lib';
import { eventTable, type EventTable } from './rows';

/** The cold and cold-staging tables of a hot table (the table strategy's). */
export interface ColdTables {
  cold: string;
  staging: string;
}

/**
 * Every ClickHouse name cold storage uses, in one object made from the data layer's schema profile: the
 * hot tables with the columns that travel, and the table strategy's cold tables. Strategies and the hot
 * side take it at construction; nothing else in cold storage names a table. Permafrost's profile gives
 * the names cold storage always had; Dittofeed's adds `hidden` to internal_events and prefixes the cold
 * tables (Dittofeed has a `user_events_cold_storage` of its own).
 */
export interface ColdStorageTables {
  readonly events: EventTable;
  readonly internal: EventTable;
  /** Both hot tables, in the order every operation visits them. */
  readonly all: readonly EventTable[];
  coldOf(table: EventTable): ColdTables;
}

export function coldStorageTables(profile: SchemaProfile): ColdStorageTables {
  const events = eventTable('events', profile.clickhouse.userEvents);
  const internal = eventTable('internal', profile.clickhouse.internalEvents);
  const names = profile.clickhouse.coldTables;
  return Object.freeze({ events, internal, all: Object.freeze([events, internal]), coldOf: (table: EventTable) => ({ ...names[table.kind] }) });
}

/** Permafrost's own profile: the names every default deployment has. */
export const DEFAULT_TABLES: ColdStorageTables = coldStorageTables(PERMAFROST_PROFILE);
