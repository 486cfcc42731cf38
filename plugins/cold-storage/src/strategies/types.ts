import type { ClickHouse, ClickHouseMigration, QueryParams } from '@permafrost/backend-lib';
import type { S3Location } from '../s3-location';
import type { CheckpointStore } from '../state/state-store';
import type { RowDigest } from '../rows';

/** One month partition of a workspace's events. */
export interface PartitionStats {
  month: number;
  rows: number;
  /** Uncompressed size of message_raw (hot) or bytes on the cold medium (cold). */
  bytes: number;
}

export interface PartitionProgress {
  month: number;
  rows: number;
  bytes: number;
  page?: number;
  pages?: number;
}

export interface OperationContext {
  workspaceId: string;
  operationId: string;
  /** Archive only: the archive covers hot rows with processing_time ≤ watermark (ClickHouse DateTime64(3) text). */
  watermark: string;
  checkpoints: CheckpointStore;
  /** Restore only: the month checkpoint this strategy's archiver last completed (its own format). */
  archivedMonth<T>(month: number): Promise<T | undefined>;
  signal: AbortSignal;
  /** A page or partition finished. */
  report(progress: PartitionProgress): void;
}

/**
 * Where a workspace's cold rows can be read from, as SQL: `SELECT ${rowKey} FROM ${from} WHERE ${where}`.
 * The hot deletes run later in the background with this subquery inside them, so it must name no secret.
 */
export interface ColdSource {
  from: string;
  where: string;
  params: QueryParams;
  /** Expression equal to ROW_KEY (processing_time, message_id, payload hash) over `from`'s columns. */
  rowKey: string;
  /** Expression equal to (processing_time, message_id) over `from`'s columns. */
  eventKey: string;
}

export interface MonthArchived {
  month: number;
  digest: RowDigest;
  bytes: number;
}

export interface MonthRestored {
  month: number;
  digest: RowDigest;
  pages: number;
}

export interface FreedObjects {
  partitions: number;
  objectsBefore: number;
  objectsLeft: number;
}

/**
 * Copies a month of hot rows into cold storage and verifies the copy. Must be idempotent: called again
 * for the same operation and month after any crash, it finishes the month without doubling a row.
 */
export interface Archiver {
  archiveMonth(ctx: OperationContext, month: number): Promise<MonthArchived>;
}

/**
 * Copies a month of cold rows back into user_events_v2 in bounded pages (never through Node), verifies,
 * and later frees the cold copy. Idempotent like the Archiver.
 */
export interface Restorer {
  restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored>;
  /** Deletes the cold copy of these months and proves the objects are gone from S3. */
  free(ctx: OperationContext, months: number[]): Promise<FreedObjects>;
}

export interface StrategyDependencies {
  ch: ClickHouse;
  s3: S3Location;
  /** Rows per restore page inside a partition. */
  pageRows: number;
}

/** How the plugin learns a strategy: its name, its DDL (applied at boot), and how to build it. */
export interface StrategyDefinition {
  readonly name: string;
  readonly migrations: ClickHouseMigration[];
  create(deps: StrategyDependencies): ColdStorageStrategy;
}

/** An Archiver and the Restorer that reads what it wrote, selectable by name in the plugin's options. */
export interface ColdStorageStrategy {
  readonly name: string;
  readonly archiver: Archiver;
  readonly restorer: Restorer;
  /** Months (with counts) the workspace has in this strategy's cold storage. */
  coldPartitions(workspaceId: string): Promise<PartitionStats[]>;
  /** The workspace's cold rows of these months, for the exact delete of their hot twins. */
  coldSource(workspaceId: string, months: number[]): Promise<ColdSource>;
  /** Called once the workspace's hot deletes have finished: release what coldSource prepared. */
  afterDeletes?(workspaceId: string): Promise<void>;
}
