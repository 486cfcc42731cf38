import type { HookPhase, HookRef } from './hook-map';
import type { TransitionName, WorkspaceStatus } from './transitions';

/** A handler that failed, as recorded. */
export interface FailedHook extends HookRef {
  message: string;
  /** The handler's error code when it threw a PermafrostError (e.g. COLD_STORAGE_UNREACHABLE). */
  code?: string;
}

/**
 * One failed attempt of a transition, kept after a retry clears `error`: an operator asking why a
 * transition took three attempts still sees each failure.
 */
export interface TransitionFailure {
  attempt: number;
  phase: TransitionPhase;
  /** The error's stable code (HOOK_FAILED, TRANSITION_VETOED, CONFLICT, …). */
  code: string;
  message: string;
  failedHooks: FailedHook[];
  at: Date;
}

/** How far a transition got: the phase it is in or stopped in (`after` means the status was committed). */
export type TransitionPhase = HookPhase | 'commit';

/** One transition as the state store keeps it: enough for a retry to finish exactly what is left. */
export interface TransitionRecord {
  transitionId: string;
  workspaceId: string;
  transition: TransitionName;
  from: WorkspaceStatus;
  to: WorkspaceStatus;
  /** `queued`: recorded by an asynchronous request, its job not picked up yet (phase `before`, nothing run). */
  state: 'queued' | 'running' | 'completed' | 'failed';
  phase: TransitionPhase;
  attempt: number;
  /** Handlers (before and after) that finished their work; a retry does not run them again. */
  completedHooks: HookRef[];
  failedHooks: FailedHook[];
  error?: string;
  /** The stable code of `error` (HOOK_FAILED, TRANSITION_VETOED, …); cleared with it by a retry. */
  errorCode?: string;
  /** Every failed attempt so far, oldest first (a retry clears `error`, not these). */
  failures?: TransitionFailure[];
  startedAt: Date;
  finishedAt?: Date;
}

/**
 * What core needs from a database; the data layer implements it (Postgres). A host that keeps workspace
 * rows elsewhere implements it and registers it from a plugin under WORKSPACE_STATE_STORE.
 */
export interface WorkspaceStateStore {
  /** Serializes transitions of one workspace, across processes; waits for the one under way. */
  withWorkspaceLock<T>(workspaceId: string, fn: () => Promise<T>): Promise<T>;
  /** Throws NotFoundError for an unknown workspace. */
  getStatus(workspaceId: string): Promise<WorkspaceStatus>;
  /** Store-level pre-checks that must fail before any hook runs (e.g. untombstone name conflict). */
  checkTransition(workspaceId: string, transition: TransitionName): Promise<void>;
  /** Atomic: the status must still be `from`. */
  commitStatus(workspaceId: string, transition: TransitionName, from: WorkspaceStatus, to: WorkspaceStatus): Promise<void>;
  /** Upsert by transitionId. */
  saveTransition(record: TransitionRecord): Promise<void>;
  /** One transition by id, or undefined. */
  getTransition(transitionId: string): Promise<TransitionRecord | undefined>;
  /** The latest transition if it did not complete (queued, failed, or left running by a crash). */
  findUnfinishedTransition(workspaceId: string): Promise<TransitionRecord | undefined>;
}

/** The DI token a plugin registers its WorkspaceStateStore under (and lists in `provides`). */
export const WORKSPACE_STATE_STORE = Symbol.for('permafrost.WorkspaceStateStore');
