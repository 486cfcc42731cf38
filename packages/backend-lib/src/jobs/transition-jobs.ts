import { PermafrostError, type ErrorDetails, type TransitionName, type WorkspaceStatus } from '@permafrost/core/plugin';

/** The DI token the data layer registers its TransitionJobs under. */
export const TRANSITION_JOBS = Symbol.for('permafrost.TransitionJobs');

/**
 * A caller's open database transaction, as a job layer sees it: run one statement with bound parameters.
 * Enqueuing through it is what makes the job and the transition record commit (or roll back) together.
 */
export interface SqlExecutor {
  executeSql(text: string, values: unknown[]): Promise<{ rows: any[] }>;
}

/** The work a transition job carries: finish this transition record. */
export interface TransitionJob {
  transitionId: string;
  workspaceId: string;
  transition: TransitionName;
}

/** How a job handler ended; stored as the job's output. */
export interface JobOutcome {
  transitionId: string;
  /** False when there was nothing left to do (already finished, e.g. a job that ran again). */
  ran: boolean;
  /** Set when the transition can never finish (the status moved on); the job is not retried. */
  finalError?: { code: string; message: string };
  worker?: string;
}

/** A finished operation as `waitFor` reports it: the transition record's end state. */
export interface OperationResult {
  operationId: string;
  workspaceId: string;
  transition: TransitionName;
  from: WorkspaceStatus;
  to: WorkspaceStatus;
  state: 'completed' | 'failed';
  attempt: number;
  error?: string;
}

export interface WorkOptions {
  /** Jobs this process runs at once (each holds one pooled connection for its workspace lock). */
  concurrency?: number;
}

/**
 * The durable job layer under asynchronous transitions: pg-boss here; a Temporal (or other) adapter
 * implements the same calls in one file. Serialization per workspace is the queue's job, not a lock's.
 */
export interface TransitionJobs {
  /** Enqueues `job` inside the caller's transaction `tx`; returns the operation id (the transition id). */
  enqueue(tx: SqlExecutor, job: TransitionJob): Promise<string>;
  /** Enqueues a job that finishes an existing (stuck) record, outside any transaction; false when one is already waiting. */
  requeue(job: TransitionJob): Promise<boolean>;
  /** Workspaces with a job waiting or running (reconcile skips them). */
  liveWorkspaces(): Promise<Set<string>>;
  /** True once no job of `operationId` will run again (done, or out of retries). */
  isSettled(operationId: string): Promise<boolean>;
  /** Runs `handler` for transition jobs until the returned stop() (which waits for jobs in hand). */
  work(handler: (job: TransitionJob) => Promise<JobOutcome>, options?: WorkOptions): Promise<() => Promise<void>>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** `OPERATION_TIMEOUT`: waitFor gave up; the operation goes on (a worker still owns it). */
export class OperationTimeoutError extends PermafrostError {
  readonly code = 'OPERATION_TIMEOUT';
  readonly operationId: string;
  constructor(message: string, details: ErrorDetails & { operationId: string }) {
    super(message, details);
    this.operationId = details.operationId;
  }
}

/** `DATABASE_BUSY`: no pooled Postgres connection became free in time (the pool's wait timed out). */
export class DatabaseBusyError extends PermafrostError {
  readonly code = 'DATABASE_BUSY';
}
