import { IllegalTransitionError, NotFoundError } from '../errors';
import type { TransitionRecord, WorkspaceStateStore } from './state-store';
import type { TransitionName, WorkspaceStatus } from './transitions';

/**
 * Reference implementation of WorkspaceStateStore, for a single process (embedding, benchmarks, plugin
 * unit tests): a per-workspace promise chain as the lock, maps as storage. Nothing survives the process.
 */
export class InMemoryWorkspaceStateStore implements WorkspaceStateStore {
  readonly statuses = new Map<string, WorkspaceStatus>();
  readonly records = new Map<string, TransitionRecord>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Per workspace, the transition whose record was saved first most recently: its latest transition. */
  private readonly latest = new Map<string, string>();

  /** Creates a workspace with `status`. */
  add(workspaceId: string, status: WorkspaceStatus = 'Active'): void {
    this.statuses.set(workspaceId, status);
  }

  async withWorkspaceLock<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(workspaceId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    this.locks.set(workspaceId, run.catch(() => undefined));
    return run;
  }

  async getStatus(workspaceId: string): Promise<WorkspaceStatus> {
    const status = this.statuses.get(workspaceId);
    if (!status) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    return status;
  }

  async checkTransition(): Promise<void> {
    // No uniqueness rules here: names live in the host's own store.
  }

  async commitStatus(workspaceId: string, transition: TransitionName, from: WorkspaceStatus, to: WorkspaceStatus): Promise<void> {
    const current = await this.getStatus(workspaceId);
    if (current !== from) throw new IllegalTransitionError(`Workspace ${workspaceId} is ${current}, not ${from}.`, { workspaceId, from: current, transition });
    this.statuses.set(workspaceId, to);
  }

  async saveTransition(record: TransitionRecord): Promise<void> {
    // A copy, so later changes to the caller's object are not saved by accident; the arrays are the only
    // mutable parts (a deep clone per completed handler made dispatch quadratic in the handler count).
    // A new record is the workspace's latest transition (startedAt alone ties when two start within one
    // millisecond); an update does not change which is latest.
    if (!this.records.has(record.transitionId)) this.latest.set(record.workspaceId, record.transitionId);
    this.records.set(record.transitionId, { ...record, completedHooks: [...record.completedHooks], failedHooks: [...record.failedHooks], failures: [...(record.failures ?? [])] });
  }

  async getTransition(transitionId: string): Promise<TransitionRecord | undefined> {
    const record = this.records.get(transitionId);
    return record && structuredClone(record);
  }

  async findUnfinishedTransition(workspaceId: string): Promise<TransitionRecord | undefined> {
    // One lookup, not a scan of every record ever saved (that made each transition cost more than the last).
    const id = this.latest.get(workspaceId);
    const latest = id === undefined ? undefined : this.records.get(id);
    return latest && latest.state !== 'completed' ? structuredClone(latest) : undefined;
  }
}
