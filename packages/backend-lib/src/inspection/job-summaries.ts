import type { DataSource } from 'typeorm';
import { TRANSITION_QUEUE } from '../jobs/pg-boss-transition-jobs';
import { iso } from './sql-time';

/** A transition's pg-boss job, as history shows it. */
export interface JobSummary {
  state: string;
  retries: number;
  retryLimit: number;
  createdAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  /** The handler's output (JobOutcome), e.g. the final error of a job that could never finish. */
  output: unknown;
  /** Moved to pg-boss' archive table (finished over an hour ago). */
  archived: boolean;
}

/**
 * Jobs of these transitions (a transition's job id is its id), read straight from pg-boss' tables by
 * primary key (name, id): no pg-boss start (which would create its schema), nothing when the schema does
 * not exist. Jobs reconcile re-enqueued carry the id in their data only; they are not looked up (that
 * lookup has no index and would scan every job of the fleet).
 */
export async function jobSummaries(dataSource: DataSource, transitionIds: readonly string[]): Promise<Map<string, JobSummary>> {
  const result = new Map<string, JobSummary>();
  if (transitionIds.length === 0) return result;
  const [{ job, archive }] = await dataSource.query(`SELECT to_regclass('pgboss.job') IS NOT NULL AS job, to_regclass('pgboss.archive') IS NOT NULL AS archive`);
  if (!job) return result;
  const columns = `id, state::text AS state, retry_count, retry_limit, created_on, started_on, completed_on, output`;
  const rows: Array<Record<string, unknown>> = await dataSource.query(
    `SELECT ${columns}, false AS archived FROM pgboss.job WHERE name = $1 AND id = ANY($2::uuid[])
     ${archive ? `UNION ALL SELECT ${columns}, true AS archived FROM pgboss.archive WHERE name = $1 AND id = ANY($2::uuid[])` : ''}`,
    [TRANSITION_QUEUE, transitionIds]);
  for (const r of rows) {
    result.set(String(r.id), {
      state: String(r.state), retries: Number(r.retry_count), retryLimit: Number(r.retry_limit),
      createdAt: iso(r.created_on as Date | null), startedAt: iso(r.started_on as Date | null), completedAt: iso(r.completed_on as Date | null),
      output: r.output ?? null, archived: Boolean(r.archived),
    });
  }
  return result;
}
