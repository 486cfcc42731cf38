import type { ClickHouse, ClickHouseMigrations } from '@permafrost/backend-lib';
import type { S3Location } from '../s3-location';
import type { StepStore } from '../state/journal';
import type { EventTable, RowDigest } from '../rows';
import type { ColdStorageTables } from '../tables';

/** One month partition of a workspace's events. */
export interface PartitionStats {
  month: number;
  /** Rows of user_events_v2 (internal_events rows travel with them and are not counted here). */
  rows: number;
  /** Uncompressed payload size (hot) or bytes on the cold medium (cold). */
  bytes: number;
}

export interface PartitionProgress {
  month: number;
  rows: number;
  bytes: number;
  page?: number;
  pages?: number;
}

/**
 * Highest committed block number of each hot table when an archive began (decimal strings: UInt64).
 * The archive owns exactly the workspace's rows at or under these bounds.
 */
export interface HotSnapshot {
  events: string;
  internal: string;
}

/** Per hot table (`events`, `internal`), per month (YYYYMM), the digest of the rows an archive owns. */
export type HotDigests = Readonly<Record<EventTable['kind'], ReadonlyMap<number, RowDigest>>>;

export interface OperationContext {
  workspaceId: string;
  operationId: string;
  /** Archive only: the bounds of the rows this archive moves. */
  snapshot: HotSnapshot;
  /** Every month the operation covers, fixed when it began. */
  months: readonly number[];
  /** Idempotency of every step: state recorded per key, per operation, in Postgres. */
  steps: StepStore;
  /**
   * Archive only: per month, the digest of this table's rows under the snapshot — what the cold copy of
   * each month must equal. Read once per operation (the first visit reuses the read that found the
   * months); the rows under the bound are fixed until the archive deletes them, after every copy is verified.
   */
  hotDigests(table: EventTable): Promise<ReadonlyMap<number, RowDigest>>;
  /** Restore only: what the latest archive verified a cold month of this table to hold (its digest). */
  archivedDigest(table: EventTable, month: number): Promise<RowDigest | undefined>;
  signal: AbortSignal;
  /** A page or partition finished. */
  report(progress: PartitionProgress): void;
}

export interface MonthArchived {
  month: number;
  /** user_events_v2 rows now cold for this month (the whole cold month, earlier archives included). */
  digest: RowDigest;
  /** Rows of both tables this operation copied. */
  copied: { events: number; internal: number };
  bytes: number;
}

export interface MonthRestored {
  month: number;
  /** user_events_v2 rows moved back hot. */
  digest: RowDigest;
  pages: number;
  /** Object keys the month's cold copy had before it was freed (checked again at the end). */
  freedKeys: string[];
}

/**
 * Copies one month of a workspace's hot rows under the snapshot (both tables) to cold storage and
 * verifies the copy. Idempotent per operation and month: called again after any crash, it finishes the
 * month without doubling a row. It deletes nothing hot.
 */
export interface Archiver {
  archiveMonth(ctx: OperationContext, month: number): Promise<MonthArchived>;
  /**
   * Optional: all of the operation's months at once, same contract as archiveMonth for each (a strategy
   * that can copy many months with one statement is faster; called instead of archiveMonth when present).
   * `onMonth` is called as each month is verified, for progress.
   */
  archiveMonths?(ctx: OperationContext, months: readonly number[], onMonth: (month: MonthArchived) => void): Promise<void>;
}

/**
 * Brings one month of cold rows back into the hot tables and frees its cold copy: staged, verified,
 * moved in whole (never through Node), then dropped from cold. Idempotent like the Archiver.
 */
export interface Restorer {
  restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored>;
  /** Optional: all of the operation's months, same contract as restoreMonth for each (called instead when present). */
  restoreMonths?(ctx: OperationContext, months: readonly number[], onMonth: (month: MonthRestored) => void): Promise<void>;
  /** After every month: drop what the operation staged; ask S3 whether freed keys (all, or a sample) are gone. */
  finish(ctx: OperationContext, freedKeys: string[]): Promise<{ objectsLeft: number; objectsChecked: number }>;
}

export interface StrategyDependencies {
  ch: ClickHouse;
  s3: S3Location;
  /** Rows per restore page inside a partition. */
  pageRows: number;
  /** Rows per archive statement (restore batches stage twice that); the table strategy's default when absent. */
  batchRows?: number;
  /** The hot tables and cold table names of the data layer's schema profile. */
  tables: ColdStorageTables;
}

/** How the plugin learns a strategy: its name, its DDL (applied at boot), and how to build it. */
export interface StrategyDefinition {
  readonly name: string;
  /** A list, or a function of the data layer's schema profile when the DDL names its tables. */
  readonly migrations: ClickHouseMigrations;
  create(deps: StrategyDependencies): ColdStorageStrategy;
}

/** One cold table's parts against its `max_parts_in_total` (strategies whose storage has such a limit). */
export interface ColdTableCapacity {
  table: string;
  activeParts: number;
  /** The effective limit: the table's own setting, else the engine's merge_tree default. */
  maxPartsInTotal: number;
  limitSource: 'table' | 'engine';
  /** An archive that would take activeParts above this is refused before it begins. */
  refuseAbove: number;
  /** activeParts / maxPartsInTotal. */
  usedShare: number;
}

/** An Archiver and the Restorer that reads what it wrote, selectable by name in the plugin's options. */
export interface ColdStorageStrategy {
  readonly name: string;
  readonly archiver: Archiver;
  readonly restorer: Restorer;
  /** Months (with user_events_v2 counts) the workspace has in this strategy's cold storage, either table. */
  coldPartitions(workspaceId: string): Promise<PartitionStats[]>;
  /**
   * Optional, for storage with a hard limit: throws a typed error when archiving these months now would
   * take it past a safe share of the limit. Called before an archive records or copies anything; reads
   * metadata only (no per-workspace scan).
   */
  admit?(workspaceId: string, months: readonly number[]): Promise<void>;
  /** Optional: where the strategy's storage stands against that limit, one entry per table. */
  capacity?(): Promise<ColdTableCapacity[]>;
  /**
   * Optional: cold user_events_v2 rows of many workspaces at once (absent: none), for fleet-wide checks
   * such as reconcile; without it they plan workspace by workspace.
   */
  coldRowsOf?(workspaceIds: readonly string[]): Promise<Map<string, number>>;
}
