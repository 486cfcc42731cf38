import type { HookPhase, HookPoint } from './types';
import type { TransitionName, WorkspaceStatus } from './transitions';

export interface FailedHook {
  plugin: string;
  name: string;
  point: HookPoint;
  message: string;
}

export interface TransitionRecord {
  transitionId: string;
  workspaceId: string;
  transition: TransitionName;
  from: WorkspaceStatus;
  to: WorkspaceStatus;
  state: 'running' | 'completed' | 'failed';
  /** How far it got: `after` means the status commit happened. */
  phase: HookPhase | 'commit';
  attempt: number;
  failedHooks: FailedHook[];
  error?: string;
  startedAt: Date;
  finishedAt?: Date;
}

/**
 * What core needs from a database; the data layer implements it (Postgres), InMemoryWorkspaceStateStore
 * is the reference implementation for unit tests.
 */
export interface WorkspaceStateStore {
  /** Serializes transitions of one workspace, across processes; waits for the one under way. */
  withWorkspaceLock<T>(workspaceId: string, fn: () => Promise<T>): Promise<T>;
  /** Throws NotFoundError for an unknown workspace. */
  getStatus(workspaceId: string): Promise<WorkspaceStatus>;
  /** Transition-specific pre-checks that must fail before any hook runs (e.g. untombstone name conflict). */
  checkTransition(workspaceId: string, transition: TransitionName): Promise<void>;
  /** Atomic: the status must still be `from`. */
  commitStatus(workspaceId: string, transition: TransitionName, from: WorkspaceStatus, to: WorkspaceStatus): Promise<void>;
  /** Upsert by transitionId. */
  saveTransition(record: TransitionRecord): Promise<void>;
  /** The latest transition if it did not complete (failed, or left running by a crash). */
  findUnfinishedTransition(workspaceId: string): Promise<TransitionRecord | undefined>;
}

export const WORKSPACE_STATE_STORE = Symbol.for('permafrost.WorkspaceStateStore');
