import { inject, injectable } from 'tsyringe';
import { DataSource, QueryFailedError } from 'typeorm';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  TransitionExecutor,
  type TransitionName,
  type TransitionResult,
} from '@permafrost/core/plugin';
import type { Workspace } from './db/schema';
import { assertWorkspaceId } from './ids';
import { TRANSITION_JOBS, type OperationResult, type TransitionJobs } from './jobs/transition-jobs';
import { TransitionRequests } from './jobs/transition-requests';
import { WorkspaceTable } from './workspace-table';

export interface CreateWorkspaceInput {
  name: string;
  externalId?: string | null;
}

export interface TransitionOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

const MAX_NAME_LENGTH = 200;

/**
 * The workspace lifecycle API. Every status change goes through core's TransitionExecutor: one
 * transition per workspace at a time, `check` hooks (a veto changes nothing), `before` hooks, the status
 * commit in a Postgres transaction that locks the row, then `after` hooks; failures are typed, recorded
 * (completed handlers included) and retryable (`retryTransition`).
 */
@injectable()
export class WorkspaceService {
  constructor(
    @inject(DataSource) dataSource: DataSource,
    @inject(TransitionExecutor) private readonly executor: TransitionExecutor,
    @inject(TRANSITION_JOBS) jobs: TransitionJobs,
    @inject(WorkspaceTable) private readonly workspaces: WorkspaceTable,
  ) {
    this.requests = new TransitionRequests(dataSource, executor, jobs, workspaces);
  }

  private readonly requests: TransitionRequests;

  async createWorkspace(input: CreateWorkspaceInput): Promise<Workspace> {
    const reserved = this.workspaces.naming.reservedPrefix;
    const name = validName(input?.name, 'name', reserved);
    const externalId = input.externalId === undefined || input.externalId === null ? null : validName(input.externalId, 'externalId', reserved);
    try {
      return WorkspaceTable.toWorkspace(await this.workspaces.insert({ name, externalId }));
    } catch (err) {
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505') {
        throw new ConflictError(`A workspace named "${name}"${externalId ? ` or with external id "${externalId}"` : ''} already exists; choose another.`);
      }
      throw err;
    }
  }

  async getWorkspace(workspaceId: string): Promise<Workspace> {
    assertWorkspaceId(workspaceId);
    const workspace = await this.workspaces.find(workspaceId);
    if (!workspace) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    return WorkspaceTable.toWorkspace(workspace);
  }

  async listWorkspaces(): Promise<Workspace[]> {
    return (await this.workspaces.list()).map(WorkspaceTable.toWorkspace);
  }

  pauseWorkspace(workspaceId: string, opts?: TransitionOptions): Promise<TransitionResult> {
    return this.transition(workspaceId, 'pause', opts);
  }

  resumeWorkspace(workspaceId: string, opts?: TransitionOptions): Promise<TransitionResult> {
    return this.transition(workspaceId, 'resume', opts);
  }

  /** Frees the name and external id for reuse (they come back on untombstone). */
  tombstoneWorkspace(workspaceId: string, opts?: TransitionOptions): Promise<TransitionResult> {
    return this.transition(workspaceId, 'tombstone', opts);
  }

  /** Untombstone: Active again with its original name and external id, or ConflictError if taken meanwhile. */
  activateTombstonedWorkspace(workspaceId: string, opts?: TransitionOptions): Promise<TransitionResult> {
    return this.transition(workspaceId, 'untombstone', opts);
  }

  /**
   * Finishes the workspace's last transition that failed in its `before` or `after` hooks (or its commit):
   * runs only the handlers that did not complete, then the rest of the transition.
   */
  async retryTransition(workspaceId: string) {
    assertWorkspaceId(workspaceId);
    return this.executor.retry(workspaceId);
  }

  /**
   * Asynchronous lifecycle: runs the `check:` hooks now (a veto throws TRANSITION_VETOED and changes
   * nothing), records the transition as `queued` together with its job (one Postgres transaction), and
   * returns the operation id at once. A worker (`permafrost worker`) runs the rest; `waitFor` awaits it.
   */
  async requestTransition(workspaceId: string, transition: TransitionName): Promise<string> {
    assertWorkspaceId(workspaceId);
    return this.requests.request(workspaceId, transition);
  }

  /** The end state of an operation `requestTransition` returned; OPERATION_TIMEOUT past `timeoutMs` (default 60 s). */
  waitFor(operationId: string, options?: { timeoutMs?: number; pollMs?: number }): Promise<OperationResult> {
    return this.requests.waitFor(operationId, options);
  }

  private async transition(workspaceId: string, transition: TransitionName, opts?: TransitionOptions): Promise<TransitionResult> {
    assertWorkspaceId(workspaceId);
    return this.executor.execute(workspaceId, transition, opts);
  }
}

function validName(value: unknown, field: string, reservedPrefix: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new InvalidInputError(`${field} must be a non-empty string.`);
  if (value.length > MAX_NAME_LENGTH) throw new InvalidInputError(`${field} must be at most ${MAX_NAME_LENGTH} characters (got ${value.length}).`);
  if (value.startsWith(reservedPrefix)) throw new InvalidInputError(`${field} must not start with "${reservedPrefix}", which marks tombstoned workspaces.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(value)) throw new InvalidInputError(`${field} must not contain control characters.`);
  return value;
}
