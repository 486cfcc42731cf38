import type { WorkspaceStatus } from '@permafrost/core/plugin';
import type { ClickHouseMigration } from '../clickhouse/migrations';

/**
 * Where a platform keeps what Permafrost reads and writes, as data: table and column names, status
 * values, tombstone naming, and the migrations that add Permafrost's own state beside the platform's.
 * Code that touches the workspace row or the event tables builds its SQL from a profile; nothing
 * branches on which platform it is. Two ship: `permafrost` (our own schema, the default) and
 * `dittofeed` (a Dittofeed installation's real tables). Names are plain identifiers, checked once by
 * `resolveSchemaProfile` before any of them enters SQL text.
 */
export interface SchemaProfile {
  /** Shown in logs and errors. */
  readonly name: string;
  readonly postgres: PostgresProfile;
  readonly tombstone: TombstoneNaming;
  readonly clickhouse: ClickHouseProfile;
}

export interface PostgresProfile {
  readonly workspace: WorkspaceTableSpec;
  /**
   * Postgres schema of Permafrost's own tables (workspace_transition, plugins' journals, TypeORM's
   * migration ledger). Undefined: the connection's default (`public`). A platform whose tables live in
   * `public` gets ours in a schema of their own, so no name can ever collide.
   */
  readonly ownSchema?: string;
  /** pg-boss's schema (the queue of asynchronous transitions). */
  readonly jobsSchema: string;
  /** TypeORM entities of Permafrost's tables in this profile (the workspace entity only where the table is ours). */
  readonly entities: readonly Function[];
  /**
   * TypeORM migration classes creating Permafrost's tables and the workspace row's cold-storage
   * columns; plugins' migrations run after these (they reference workspace_transition's neighbours).
   */
  readonly migrations: readonly Function[];
}

export interface WorkspaceTableSpec {
  /** Postgres schema of the workspace table; undefined: the search path (ours). */
  readonly schema?: string;
  readonly table: string;
  readonly columns: WorkspaceColumns;
  /** Permafrost's status → the value the platform stores (same labels in both profiles, but mapped, never assumed). */
  readonly statusValues: Readonly<Record<WorkspaceStatus, string>>;
  /**
   * `timestamptz`: our columns. `utc-timestamp`: `timestamp` without time zone holding UTC wall-clock time,
   * as Drizzle writes Dittofeed's (`toISOString()`); read and written as UTC whatever the server's zone.
   */
  readonly timestamps: 'timestamptz' | 'utc-timestamp';
  /**
   * `global`: name and external id unique across the table (ours). `per-parent`: name unique among the
   * children of one parent (NULLS NOT DISTINCT: among roots too), external id unique only under a parent
   * (two root workspaces may share one) — Dittofeed's constraints. Conflict checks follow it.
   */
  readonly uniqueness: 'global' | 'per-parent';
  /** Values of `columns.kind` whose workspaces take no events (Dittofeed's `Parent`). */
  readonly kindsWithoutEvents: readonly string[];
}

export interface WorkspaceColumns {
  readonly id: string;
  readonly name: string;
  readonly externalId: string;
  readonly status: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Added by a Permafrost migration: where the workspace's events are (`none`, `archiving`, …). */
  readonly coldStorageState: string;
  /** Added by a Permafrost migration: the strategy holding the cold copy. */
  readonly coldStorageStrategy: string;
  /** The uniqueness scope under `per-parent` (Dittofeed: `parentWorkspaceId`). */
  readonly parentId?: string;
  /** The platform's kind of workspace (Dittofeed: `type`). */
  readonly kind?: string;
}

/**
 * What a tombstoned workspace's name and external id become, so new workspaces can take the originals,
 * and how they come back on untombstone.
 */
export interface TombstoneNaming {
  tombstoned(workspaceId: string, value: string): string;
  /** The original value of a tombstoned one; a value without the mark is returned unchanged. */
  original(workspaceId: string, value: string): string;
  /** Names and external ids a user may not choose: they would read as tombstoned. */
  readonly reservedPrefix: string;
  /** True when the renamed value does not embed the workspace id, so two tombstoned "acme"s can collide. */
  readonly mayCollide: boolean;
}

/** A column that travels between hot and cold storage, with its ClickHouse type (for Parquet and cold DDL). */
export interface EventColumn {
  readonly name: string;
  readonly type: string;
}

export interface EventTableSpec {
  readonly table: string;
  /**
   * The columns an archive copies and a restore brings back; every other column of the table must be a
   * DEFAULT computed from these (checked at boot: a stored column missing here would be lost).
   */
  readonly columns: readonly EventColumn[];
}

/** Names of the cold tables the table strategy writes: a cold table and its staging twin per hot table. */
export interface ColdTableNames {
  readonly events: { readonly cold: string; readonly staging: string };
  readonly internal: { readonly cold: string; readonly staging: string };
}

export interface ClickHouseProfile {
  readonly userEvents: EventTableSpec;
  readonly internalEvents: EventTableSpec;
  /** True when the platform creates and owns the event tables (Permafrost never creates them, only checks them). */
  readonly platformOwnsEventTables: boolean;
  /** The cold tables' names here; cold storage takes them unless its own options name others. */
  readonly coldTables: ColdTableNames;
  /** Names the platform uses or may create in its database: no Permafrost table may take one. */
  readonly reservedTables: readonly string[];
  /** Permafrost's ClickHouse migrations for this profile (plugins add theirs). */
  readonly migrations: readonly ClickHouseMigration[];
}

/** The built-in profiles by name. */
export type SchemaProfileName = 'permafrost' | 'dittofeed';
