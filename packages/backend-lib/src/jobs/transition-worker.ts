import { hostname } from 'node:os';
import { isPermafrostError, type TransitionExecutor } from '@permafrost/core/plugin';
import type { JobOutcome, TransitionJob } from './transition-jobs';

/**
 * Errors no retry can fix: the status moved on, the workspace or record is gone, a name is taken. The
 * job ends (its record says why) instead of burning its retries; anything else (a hook failed, S3 down,
 * a crash) is thrown, so pg-boss retries it with backoff and the record's completed hooks are skipped.
 */
const FINAL = new Set(['ILLEGAL_TRANSITION', 'NOT_FOUND', 'CONFLICT', 'TRANSITION_VETOED', 'INVALID_INPUT']);

/** Who ran a job, in its output: `host:pid`. */
export const workerId = (): string => `${hostname()}:${process.pid}`;

/** The transition job handler: finish this record. Idempotent (a completed record runs nothing). */
export function transitionJobHandler(executor: TransitionExecutor): (job: TransitionJob) => Promise<JobOutcome> {
  return async (job) => {
    try {
      const result = await executor.finish(job.transitionId);
      return { transitionId: job.transitionId, ran: result.retried, worker: workerId() };
    } catch (err) {
      if (isPermafrostError(err) && FINAL.has(err.code)) {
        return { transitionId: job.transitionId, ran: false, finalError: { code: err.code, message: err.message }, worker: workerId() };
      }
      throw err;
    }
  };
}
