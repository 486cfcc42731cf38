import pLimit from 'p-limit';
import { inject, injectable } from 'tsyringe';
import { DataSource } from 'typeorm';
import {
  ConflictError,
  IllegalTransitionError,
  NotFoundError,
  TransitionInProgressError,
  isPermafrostError,
  type TransitionName,
  type TransitionRecord,
  type WorkspaceStateStore,
  type WorkspaceStatus,
} from '@permafrost/core/plugin';
import { WorkspaceTransition } from './db/schema';
import { DatabaseBusyError } from './jobs/transition-jobs';
import { WorkspaceTable, type SqlRunner, type WorkspaceRecord } from './workspace-table';

export interface WorkspaceLockOptions {
  /** How long a transition waits for another one on the same workspace before giving up. */
  lockTimeoutMs: number;
}
export const WORKSPACE_LOCK_OPTIONS = Symbol.for('permafrost.WorkspaceLockOptions');

/**
 * Transitions holding a lock connection at once, per process. Each also needs a second pooled
 * connection for its own statements; with the pool's 20 all held by lock connections, none could
 * proceed and all would time out (40 pauses at once used to fail 21). The rest wait here, in memory.
 */
const MAX_LOCKED_TRANSITIONS = 10;
const LOCK_GATE = pLimit(MAX_LOCKED_TRANSITIONS);

const UNIQUE_VIOLATION = '23505';

/** The advisory lock's name for a workspace (hashed to the lock's bigint key); inspection reads it from pg_locks. */
export const workspaceLockName = (workspaceId: string) => `permafrost:workspace:${workspaceId}`;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Postgres implementation of core's state store. One transition per workspace at a time, across every
 * process sharing the database: a session-level advisory lock held on a dedicated connection for the
 * whole transition (hooks included), so the row lock in commitStatus stays short.
 */
@injectable()
export class PostgresWorkspaceStateStore implements WorkspaceStateStore {
  constructor(
    @inject(DataSource) private readonly dataSource: DataSource,
    @inject(WORKSPACE_LOCK_OPTIONS) private readonly lockOptions: WorkspaceLockOptions,
    @inject(WorkspaceTable) private readonly workspaces: WorkspaceTable,
  ) {}

  async withWorkspaceLock<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await LOCK_GATE(() => this.locked(workspaceId, fn));
    } catch (err) {
      throw poolTimeout(err, workspaceId) ?? err;
    }
  }

  private async locked<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT set_config('lock_timeout', $1, false)`, [`${this.lockOptions.lockTimeoutMs}ms`]);
      try {
        await runner.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [workspaceLockName(workspaceId)]);
      } catch (err) {
        if ((err as { driverError?: { code?: string } }).driverError?.code === LOCK_NOT_AVAILABLE) {
          throw new TransitionInProgressError(`Another transition of workspace ${workspaceId} has run for over ${this.lockOptions.lockTimeoutMs} ms; wait for it (see workspace_transition) and try again.`, { workspaceId });
        }
        throw err;
      }
      try {
        return await fn();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [workspaceLockName(workspaceId)]);
      }
    } finally {
      await runner.release();
    }
  }

  async getStatus(workspaceId: string): Promise<WorkspaceStatus> {
    return (await this.load(this.dataSource.manager, workspaceId)).status;
  }

  async checkTransition(workspaceId: string, transition: TransitionName): Promise<void> {
    if (transition === 'untombstone') {
      await this.assertOriginalsFree(this.dataSource.manager, await this.load(this.dataSource.manager, workspaceId));
    } else if (transition === 'tombstone' && this.workspaces.naming.mayCollide) {
      // A mark without the id (Dittofeed's) makes a second tombstoned "acme" collide: refuse before any hook runs.
      await this.assertTombstonedFree(this.dataSource.manager, await this.load(this.dataSource.manager, workspaceId));
    }
  }

  async commitStatus(workspaceId: string, transition: TransitionName, from: WorkspaceStatus, to: WorkspaceStatus): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager) => {
        const workspace = await this.load(manager, workspaceId, true);
        if (workspace.status !== from) {
          throw new IllegalTransitionError(`Workspace ${workspaceId} is ${workspace.status}, not ${from}; ${transition} was not applied.`, { workspaceId, from: workspace.status, transition });
        }
        let values = { name: workspace.name, externalId: workspace.externalId };
        if (transition === 'tombstone') {
          values = this.tombstonedValues(workspace);
        } else if (transition === 'untombstone') {
          await this.assertOriginalsFree(manager, workspace);
          values = this.originalValues(workspace);
        }
        await this.workspaces.update(manager, workspaceId, { ...values, status: to });
      });
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw new ConflictError(transition === 'tombstone'
          ? `Workspace ${workspaceId} cannot be tombstoned: another tombstoned workspace took its tombstoned name or external id meanwhile. Rename that workspace, then retry; the status was not changed.`
          : `Workspace ${workspaceId} cannot take back its name or external id: another workspace took it meanwhile. Rename that workspace, then retry.`, { workspaceId });
      }
      throw err;
    }
  }

  async saveTransition(record: TransitionRecord): Promise<void> {
    await this.dataSource.getRepository(WorkspaceTransition).save({
      transitionId: record.transitionId,
      workspaceId: record.workspaceId,
      transition: record.transition,
      from: record.from,
      to: record.to,
      state: record.state,
      phase: record.phase,
      attempt: record.attempt,
      completedHooks: record.completedHooks,
      failedHooks: record.failedHooks,
      error: record.error ?? null,
      errorCode: record.errorCode ?? null,
      failures: record.failures ?? [],
      startedAt: record.startedAt,
      finishedAt: record.finishedAt ?? null,
    });
  }

  async getTransition(transitionId: string): Promise<TransitionRecord | undefined> {
    const row = await this.dataSource.getRepository(WorkspaceTransition).findOneBy({ transitionId });
    return row ? toRecord(row) : undefined;
  }

  async findUnfinishedTransition(workspaceId: string): Promise<TransitionRecord | undefined> {
    const latest = await this.dataSource.getRepository(WorkspaceTransition).findOne({
      where: { workspaceId },
      order: { seq: 'DESC' },
    });
    if (!latest || latest.state === 'completed') return undefined;
    return toRecord(latest);
  }

  private async load(tx: SqlRunner, workspaceId: string, forUpdate = false): Promise<WorkspaceRecord> {
    const workspace = await this.workspaces.find(workspaceId, { tx, forUpdate });
    if (!workspace) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    return workspace;
  }

  private tombstonedValues(workspace: WorkspaceRecord): { name: string; externalId: string | null } {
    const { tombstoned } = this.workspaces.naming;
    return { name: tombstoned(workspace.id, workspace.name), externalId: workspace.externalId === null ? null : tombstoned(workspace.id, workspace.externalId) };
  }

  private originalValues(workspace: WorkspaceRecord): { name: string; externalId: string | null } {
    const { original } = this.workspaces.naming;
    return { name: original(workspace.id, workspace.name), externalId: workspace.externalId === null ? null : original(workspace.id, workspace.externalId) };
  }

  private async assertOriginalsFree(tx: SqlRunner, workspace: WorkspaceRecord): Promise<void> {
    const taken = await this.workspaces.holder(tx, workspace, this.originalValues(workspace));
    if (taken) {
      throw new ConflictError(`Workspace ${workspace.id} cannot be untombstoned: its ${taken.field} "${taken.value}" now belongs to workspace ${taken.id}. Rename that workspace first, then untombstone again.`, { workspaceId: workspace.id });
    }
  }

  private async assertTombstonedFree(tx: SqlRunner, workspace: WorkspaceRecord): Promise<void> {
    const taken = await this.workspaces.holder(tx, workspace, this.tombstonedValues(workspace));
    if (taken) {
      throw new ConflictError(`Workspace ${workspace.id} cannot be tombstoned: its tombstoned ${taken.field} "${taken.value}" is already held by workspace ${taken.id} (tombstoned earlier). Rename or delete that workspace, then tombstone again; nothing was changed.`, { workspaceId: workspace.id });
    }
  }
}

/** A row as core's record type (nullable columns become optional fields). */
export function toRecord(row: WorkspaceTransition): TransitionRecord {
  return {
    transitionId: row.transitionId,
    workspaceId: row.workspaceId,
    transition: row.transition,
    from: row.from,
    to: row.to,
    state: row.state,
    phase: row.phase,
    attempt: row.attempt,
    completedHooks: row.completedHooks,
    failedHooks: row.failedHooks,
    error: row.error ?? undefined,
    errorCode: row.errorCode ?? undefined,
    failures: (row.failures ?? []).map((f) => ({ ...f, at: new Date(f.at) })),
    startedAt: row.startedAt,
    finishedAt: row.finishedAt ?? undefined,
  };
}

/**
 * node-postgres' pool gives up on a connection after connectionTimeoutMillis with an untyped "timeout
 * exceeded when trying to connect": every pooled connection is held (each synchronous transition holds
 * one for its lock). Say so, typed, and point at the queued path that does not hold connections.
 */
function poolTimeout(err: unknown, workspaceId: string): DatabaseBusyError | undefined {
  if (isPermafrostError(err) || !/timeout exceeded when trying to connect/i.test(String((err as Error)?.message))) return undefined;
  return new DatabaseBusyError(`No Postgres connection became free in time for the transition of workspace ${workspaceId}: every pooled connection is held by transitions running in this process. Nothing was changed if it had not started; see workspace_transition. For many transitions at once use requestTransition (queued, run by workers), which holds no connection while it waits.`, { workspaceId, cause: err });
}
