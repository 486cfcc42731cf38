import type { DataSource } from 'typeorm';
import { isPermafrostError, type TransitionName } from '@permafrost/core';
import { TRANSITION_QUEUE, type WorkspaceService } from '@permafrost/backend-lib';

export interface RequestRound {
  /** Workspace id → operation id, for every request that returned one. */
  operations: Map<string, string>;
  /** Workspace id → error code of a request that threw (UNTYPED:<name> for an error without a code). */
  rejected: Map<string, string>;
  /** Workspace id → Date.now() when its request was made. */
  requestedAt: Map<string, number>;
  /** From the first request until every request had answered. */
  requestsMs: number;
}

/** Fires every request at once from this process, as a burst of API calls would. */
export async function requestAll(workspaces: WorkspaceService, workspaceIds: string[], transition: TransitionName): Promise<RequestRound> {
  const operations = new Map<string, string>();
  const rejected = new Map<string, string>();
  const requestedAt = new Map<string, number>();
  const started = performance.now();
  await Promise.all(workspaceIds.map(async (id) => {
    requestedAt.set(id, Date.now());
    try {
      operations.set(id, await workspaces.requestTransition(id, transition));
    } catch (err) {
      rejected.set(id, errorCode(err));
    }
  }));
  return { operations, rejected, requestedAt, requestsMs: performance.now() - started };
}

export function errorCode(err: unknown): string {
  if (isPermafrostError(err)) return err.code;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? `UNTYPED:${code}` : `UNTYPED:${(err as Error)?.name ?? typeof err}`;
}

export interface Settled {
  completed: number;
  /** Not completed, and no job of theirs will run again (out of retries, or ended final). */
  failed: number;
  waitedMs: number;
}

/**
 * Polls until every operation is completed, or settled failed (its job will not run again). One grouped
 * query per poll. Job id = operation id (TransitionJobs.enqueue), so the join is by primary key.
 */
export async function waitForOperations(db: DataSource, operationIds: string[], timeoutMs: number, onPoll?: (done: number) => void): Promise<Settled> {
  const started = performance.now();
  for (;;) {
    const [row]: Array<{ completed: number; failed: number }> = await db.query(
      `SELECT count(*) FILTER (WHERE t.state = 'completed')::int AS completed,
              count(*) FILTER (WHERE t.state <> 'completed' AND NOT EXISTS (
                SELECT 1 FROM pgboss.job j WHERE j.name = $2 AND j.id = t.id AND j.state < 'completed'))::int AS failed
         FROM workspace_transition t WHERE t.id = ANY($1::uuid[])`,
      [operationIds, TRANSITION_QUEUE]);
    onPoll?.(row!.completed);
    if (row!.completed + row!.failed >= operationIds.length) return { ...row!, waitedMs: performance.now() - started };
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${row!.completed} of ${operationIds.length} operations completed after ${Math.round(timeoutMs / 1000)} s (${row!.failed} failed)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Request → completed, per operation: the record's finished_at minus the moment its request was made. */
export async function latencies(db: DataSource, round: RequestRound): Promise<number[]> {
  const rows: Array<{ workspace_id: string; finished_ms: string }> = await db.query(
    `SELECT workspace_id, (extract(epoch FROM finished_at) * 1000)::bigint AS finished_ms
       FROM workspace_transition WHERE id = ANY($1::uuid[]) AND state = 'completed'`,
    [[...round.operations.values()]]);
  return rows.map((r) => Number(r.finished_ms) - round.requestedAt.get(r.workspace_id)!);
}

/** Retries and failures the job layer saw: attempts past the first, and failed jobs' error codes. */
export async function jobErrors(db: DataSource, operationIds: string[]): Promise<{ retriedJobs: number; failedByCode: Record<string, number> }> {
  const rows: Array<{ state: string; retry_count: number; code: string | null; name: string | null; final: boolean }> = await db.query(
    `SELECT state, retry_count, COALESCE(output->>'code', output->'finalError'->>'code') AS code, output->>'name' AS name,
            (output ? 'finalError') AS final
       FROM pgboss.job WHERE name = $2 AND id = ANY($1::uuid[])`,
    [operationIds, TRANSITION_QUEUE]);
  const failedByCode: Record<string, number> = {};
  // Out of retries (failed), or ended on an error no retry can fix (completed with a finalError).
  for (const r of rows.filter((j) => j.state === 'failed' || j.final)) {
    const code = r.code ?? `UNTYPED:${r.name ?? 'unknown'}`;
    failedByCode[code] = (failedByCode[code] ?? 0) + 1;
  }
  return { retriedJobs: rows.filter((r) => r.retry_count > 0).length, failedByCode };
}
