import type { InjectionToken } from 'tsyringe';
import type { WorkspaceStatus } from '@permafrost/core/plugin';
import type { ColdStorageState } from '../db/schema';

/**
 * Read-only inspection of workspaces: what happened to one (history), where its data is and what to do
 * next (describe), and a bulk, paged listing (statuses). The data layer answers for workspaces and
 * transitions and hot tables; plugins that keep their own records (cold storage: operations, steps,
 * cold tables, objects) contribute an InspectionProvider to INSPECTION_PROVIDERS.
 * Every timestamp is ISO-8601 UTC text; every duration is whole milliseconds, named `…Ms`.
 */

/** A failure as reported: a stable code (null when the record predates codes) and the message. */
export interface InspectedError {
  code: string | null;
  message: string;
}

/** One step of a history entry: a hook of a transition, or a recorded step of a plugin's operation. */
export interface HistoryStep {
  key: string;
  /** `completed` / `failed` for hooks; `recorded` for an operation step (its detail says how far it got). */
  status: 'completed' | 'failed' | 'recorded';
  /** When the step was last recorded, if the record keeps it. */
  at: string | null;
  /** From the entry's start to `at`, if both are known. */
  sinceStartMs: number | null;
  error: InspectedError | null;
  /** The step's recorded state (arrays shortened to their length). */
  detail: Record<string, unknown> | null;
}

/** One failed attempt, kept after a retry. */
export interface AttemptFailure {
  attempt: number;
  code: string | null;
  message: string;
  at: string | null;
  /** Where it failed: the hook (`after:pause cold-storage/archive`) or the phase. */
  step: string | null;
  /** The failing handler's own code (e.g. COLD_STORAGE_UNREACHABLE under HOOK_FAILED). */
  causeCode: string | null;
}

export interface HistoryEntry {
  /** `transition`, or what a provider records (`cold-storage-operation`). */
  kind: string;
  id: string;
  /** pause, resume, tombstone, untombstone, archive, restore, … */
  operation: string;
  /** queued, running, completed, failed, superseded. */
  state: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  attempts: number;
  /** The current error (null once a retry succeeds or while it runs). */
  error: InspectedError | null;
  failures: AttemptFailure[];
  steps: HistoryStep[];
  detail: Record<string, unknown>;
}

/**
 * Where an entry sits in the newest-first history: its start with microseconds (ISO text, sortable as
 * a string) and its id. Providers return entries strictly before a position; positions are opaque to callers.
 */
export interface HistoryPosition {
  at: string;
  id: string;
}

export interface PositionedEntry {
  entry: HistoryEntry;
  position: HistoryPosition;
}

/** A provider's latest operation of a workspace, for describe, status and the next action. */
export interface OperationSummary {
  kind: string;
  id: string;
  /** archive, restore, … */
  operation: string;
  state: string;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: InspectedError | null;
  /** The last step it recorded (a failure happened after it). */
  lastStep: string | null;
}

/** One month partition of a cold table. */
export interface ColdPartition {
  month: number;
  rows: number;
  bytesOnDisk: number;
  /** Parts of the partition (null when the medium has no parts, e.g. objects). */
  parts: number | null;
}

export interface ColdTable {
  table: string;
  rows: number;
  bytesOnDisk: number;
  parts: number | null;
  partitions: ColdPartition[];
}

export interface ColdObject {
  key: string;
  /** The hot table whose rows it holds. */
  table: string;
  month: number;
  rows: number;
  bytes: number;
}

/**
 * A store outside the hot tables that holds some of the workspace's data (cold storage). When it cannot
 * be reached in time, `reachable` is false, `error` says why (COLD_STORAGE_UNREACHABLE), and numbers only
 * local metadata knows may still be given; unknown ones are null.
 */
export interface StorageDescription {
  name: string;
  strategy: string | null;
  reachable: boolean;
  error: InspectedError | null;
  /** user_events_v2 rows it holds (internal_events rows travel with them and are in `tables`). */
  rows: number | null;
  bytesOnDisk: number | null;
  tables: ColdTable[];
  objects: ColdObject[];
  /** How the answer was obtained (e.g. `system.parts metadata`), and what it cost. */
  source: string;
  elapsedMs: number;
}

export interface ProviderDescription {
  storage?: StorageDescription;
  latestOperation?: OperationSummary | null;
}

/** One workspace's row of a status page, as a provider adds to it. */
export interface ProviderStatus {
  latestOperation: OperationSummary | null;
  /** Only when asked for data. */
  storedRows?: number | null;
  storageError?: InspectedError | null;
}

export interface DescribeOptions {
  /** How long an outside store (S3) may take before it is reported unreachable. */
  deadlineMs: number;
  /** The workspace's row as Postgres has it (providers need not read it again). */
  workspace: { id: string; status: WorkspaceStatus; coldStorageState: ColdStorageState; coldStorageStrategy: string | null };
}

/**
 * What a plugin adds to inspection. Contribute `{ name, token }` to INSPECTION_PROVIDERS and register the
 * token in the plugin's container (listing it in `provides`): the data layer resolves it on first use.
 * Every method is read-only and binds every value as a parameter.
 */
export interface InspectionProvider {
  /** Unique among providers; part of history positions. */
  readonly name: string;
  /** Entries strictly before `before` (by start, then id), newest first, at most `limit`. */
  history(workspaceId: string, page: { limit: number; before?: HistoryPosition }): Promise<PositionedEntry[]>;
  /** Never throws for an unreachable store: it reports it in `storage`, within `deadlineMs`. */
  describe(workspaceId: string, options: DescribeOptions): Promise<ProviderDescription>;
  /** One call per page, whatever its size: one query per page, never one per workspace (unless `withData` needs it). */
  statuses(workspaceIds: readonly string[], options: { withData: boolean; deadlineMs: number; strategies: ReadonlyMap<string, string | null> }): Promise<Map<string, ProviderStatus>>;
}

/** What a plugin contributes to INSPECTION_PROVIDERS. */
export interface InspectionProviderRef {
  name: string;
  token: InjectionToken<InspectionProvider>;
}

export type NextActionKind = 'none' | 'wait' | 'retry' | 'archive' | 'restore' | 'resume' | 'untombstone';

export interface NextAction {
  action: NextActionKind;
  /** What to retry or wait for: pause, resume, archive, restore, … (null for none/archive/…). */
  operation: string | null;
  /** The transition or operation it concerns. */
  targetId: string | null;
  /** The CLI command that does it (null when nothing is to be done by hand). */
  command: string | null;
  reason: string;
}

export interface HotTable {
  table: string;
  rows: number;
  /** Uncompressed bytes of the payload column (message_raw, properties): the unpartitioned hot tables keep no per-workspace disk size. */
  payloadBytes: number;
}

export interface HotDescription {
  reachable: boolean;
  error: InspectedError | null;
  /** user_events_v2 rows. */
  rows: number | null;
  tables: HotTable[];
  elapsedMs: number;
}

export interface TransitionSummary {
  id: string;
  transition: string;
  state: string;
  phase: string;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** A process holds the workspace's lifecycle lock now (something is running). */
  lockHeld: boolean;
}

/** The most recent failure: the latest transition's or operation's; `resolved` once a retry finished it. */
export interface LastFailure {
  kind: string;
  id: string;
  operation: string;
  code: string | null;
  message: string;
  at: string | null;
  step: string | null;
  causeCode: string | null;
  attempt: number;
  resolved: boolean;
}

export interface WorkspaceDescription {
  workspace: {
    id: string;
    name: string;
    externalId: string | null;
    status: WorkspaceStatus;
    coldStorageState: ColdStorageState;
    coldStorageStrategy: string | null;
    createdAt: string;
    updatedAt: string;
  };
  latestTransition: TransitionSummary | null;
  latestOperation: OperationSummary | null;
  hot: HotDescription;
  /** Null when no plugin keeps data outside the hot tables. */
  cold: StorageDescription | null;
  lastFailure: LastFailure | null;
  nextAction: NextAction;
}

export interface HistoryPage {
  workspaceId: string;
  entries: HistoryEntry[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface StatusFilter {
  status?: WorkspaceStatus;
  coldState?: ColdStorageState;
  /** true: only workspaces whose latest transition failed or whose cold storage state is `failed`; false: only the others. */
  hasFailure?: boolean;
  limit?: number;
  cursor?: string;
  /** Also count hot and cold rows: one ClickHouse query per page and table, never one per workspace. */
  withData?: boolean;
}

export interface WorkspaceStatusRow {
  id: string;
  name: string;
  status: WorkspaceStatus;
  coldStorageState: ColdStorageState;
  coldStorageStrategy: string | null;
  updatedAt: string;
  latestTransition: { id: string; transition: string; state: string; phase: string } | null;
  latestOperation: { id: string; operation: string; state: string } | null;
  /** The unresolved failure, if any. */
  failure: { kind: string; id: string; operation: string; code: string | null; message: string; at: string | null } | null;
  hotRows: number | null;
  coldRows: number | null;
  nextAction: NextAction;
}

export interface StatusPage {
  workspaces: WorkspaceStatusRow[];
  nextCursor: string | null;
  limit: number;
  withData: boolean;
}
