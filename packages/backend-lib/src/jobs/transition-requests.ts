import pLimit from 'p-limit';
import type { DataSource, EntityManager } from 'typeorm';
import {
  IllegalTransitionError, NotFoundError, TransitionInProgressError,
  type TransitionExecutor, type TransitionName, type TransitionRecord,
} from '@permafrost/core/plugin';
import { WorkspaceTransition } from '../db/schema';
import { toRecord } from '../workspace-state-store';
import type { WorkspaceTable } from '../workspace-table';
import { OperationTimeoutError, type OperationResult, type TransitionJobs } from './transition-jobs';

/**
 * Requests this process runs at once. Each holds a pooled connection for a few short statements only,
 * so the data layer's pool (20) is never exhausted however many callers arrive: extra callers wait
 * here, in memory, where nothing times out, instead of in the pool's queue (10 s, untyped).
 */
const REQUEST_CONCURRENCY = 8;

/**
 * The asynchronous lifecycle path: `request` runs the checks at once (a veto answers the caller and
 * changes nothing), then saves the transition record (state `queued`) and its job in ONE Postgres
 * transaction and returns the operation id; a worker finishes it. `waitFor` polls the record.
 */
export class TransitionRequests {
  private readonly gate = pLimit(REQUEST_CONCURRENCY);

  constructor(
    private readonly dataSource: DataSource,
    private readonly executor: TransitionExecutor,
    private readonly jobs: TransitionJobs,
    private readonly workspaces: WorkspaceTable,
  ) {}

  request(workspaceId: string, transition: TransitionName): Promise<string> {
    return this.gate(async () => {
      const record = await this.executor.check(workspaceId, transition);
      await this.dataSource.transaction(async (manager) => {
        await this.assertFree(manager, record);
        await manager.getRepository(WorkspaceTransition).insert({ ...record, error: null, finishedAt: null });
        const runner = manager.queryRunner!;
        await this.jobs.enqueue(
          { executeSql: async (text, values) => ({ rows: (await runner.query(text, values, true)).records }) },
          { transitionId: record.transitionId, workspaceId, transition },
        );
      });
      return record.transitionId;
    });
  }

  /** Resolves with the operation's end state; OPERATION_TIMEOUT after `timeoutMs` (the work goes on). */
  async waitFor(operationId: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<OperationResult> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.load(operationId);
      if (record.state === 'completed') return result(record);
      // Not completed is final only once no job will run it again (pg-boss retries with backoff). Read
      // the record again after the job: a job finishing in between has saved its record first.
      if (await this.jobs.isSettled(operationId)) {
        const settled = await this.load(operationId);
        if (settled.state === 'completed' || settled.state === 'failed') return result(settled);
        return result({ ...settled, error: `its job ended with the transition still ${settled.state} (its worker died past the job's retries); reconcile or retry finishes it` });
      }
      if (Date.now() >= deadline) {
        throw new OperationTimeoutError(`Operation ${operationId} (${record.transition} of workspace ${record.workspaceId}) is still ${record.state} after ${timeoutMs} ms; it goes on in a worker. Wait again, or see workspace_transition.`, { operationId, workspaceId: record.workspaceId });
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  }

  private async load(operationId: string): Promise<TransitionRecord> {
    const row = await this.dataSource.getRepository(WorkspaceTransition).findOneBy({ transitionId: operationId });
    if (!row) throw new NotFoundError(`Operation ${operationId} does not exist.`);
    return toRecord(row);
  }

  /**
   * Inside the request's transaction: the workspace row is locked (for milliseconds, never across hooks)
   * so two requests on one workspace decide one after the other; the status must still be the checked
   * one and no other transition may be queued or running.
   */
  private async assertFree(manager: EntityManager, record: TransitionRecord): Promise<void> {
    const { workspaceId, transition } = record;
    const status = await this.workspaces.statusForUpdate(manager, workspaceId);
    if (!status) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    if (status !== record.from) {
      throw new IllegalTransitionError(`Workspace ${workspaceId} became ${status} while ${transition} was being checked; nothing was changed.`, { workspaceId, from: status, transition });
    }
    const [latest] = await manager.query(
      `SELECT id, transition, state FROM workspace_transition WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1`, [workspaceId]);
    if (latest && (latest.state === 'queued' || latest.state === 'running')) {
      throw new TransitionInProgressError(`Workspace ${workspaceId} has a ${latest.state} ${latest.transition} (operation ${latest.id}); wait for it (or, if its process died, let reconcile or retry finish it) and try again. Nothing was changed.`, { workspaceId });
    }
  }
}

function result(r: TransitionRecord): OperationResult {
  return {
    operationId: r.transitionId, workspaceId: r.workspaceId, transition: r.transition, from: r.from, to: r.to,
    state: r.state === 'completed' ? 'completed' : 'failed', attempt: r.attempt, ...(r.error ? { error: r.error } : {}),
  };
}
