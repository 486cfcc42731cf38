import type { DataSource } from 'typeorm';
import type { FailedHook } from '@permafrost/core/plugin';
import { jobSummaries } from './job-summaries';
import { durationMs, iso, isoMicros } from './sql-time';
import type { AttemptFailure, HistoryEntry, HistoryPosition, HistoryStep, PositionedEntry } from './types';

/** The data layer's own history source: workspace_transition rows (and their pg-boss jobs). */
export const LIFECYCLE_SOURCE = 'lifecycle';

export interface TransitionRow {
  id: string;
  workspace_id: string;
  transition: string;
  from_status: string;
  to_status: string;
  state: string;
  phase: string;
  attempt: number;
  completed_hooks: Array<{ plugin: string; name: string; point: string }>;
  failed_hooks: FailedHook[];
  error: string | null;
  error_code: string | null;
  failures: Array<{ attempt: number; phase: string; code: string; message: string; failedHooks: FailedHook[]; at: string }>;
  started_at: Date;
  finished_at: Date | null;
  position_at: string;
}

const COLUMNS = `id::text AS id, workspace_id::text AS workspace_id, transition, from_status, to_status, state, phase, attempt,
  completed_hooks, failed_hooks, error, error_code, failures, started_at, finished_at, ${isoMicros('started_at')} AS position_at`;

/** `after:pause cold-storage/archive`: where a hook sits and whose it is. */
export const hookLabel = (h: { plugin: string; name: string; point: string }) => `${h.point} ${h.plugin}/${h.name}`;

/**
 * Reads of workspace_transition. Every query is bound to one workspace (index workspace_id, seq) or to
 * one page of ids: its cost follows that workspace's transitions or the page, never the fleet.
 */
export class TransitionHistory {
  constructor(private readonly dataSource: DataSource) {}

  /** Transitions strictly before `before` (start, then id), newest first, with their jobs. */
  async history(workspaceId: string, page: { limit: number; before?: HistoryPosition }): Promise<PositionedEntry[]> {
    const rows: TransitionRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM workspace_transition
        WHERE workspace_id = $1 AND ($2::timestamptz IS NULL OR (started_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY started_at DESC, id DESC LIMIT $4`,
      [workspaceId, page.before?.at ?? null, page.before?.id ?? null, page.limit]);
    const jobs = await jobSummaries(this.dataSource, rows.map((r) => r.id));
    return rows.map((r) => ({ entry: toEntry(r, jobs.get(r.id)), position: { at: r.position_at, id: r.id } }));
  }

  /** The latest transition (by creation order) of each workspace of a page: one query, one index probe per id. */
  async latest(workspaceIds: readonly string[]): Promise<Map<string, TransitionRow>> {
    if (workspaceIds.length === 0) return new Map();
    const rows: TransitionRow[] = await this.dataSource.query(
      `SELECT t.* FROM unnest($1::uuid[]) AS w(id)
         CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM workspace_transition x WHERE x.workspace_id = w.id ORDER BY x.seq DESC LIMIT 1) AS t`,
      [workspaceIds]);
    return new Map(rows.map((r) => [r.workspace_id, r]));
  }
}

export function toEntry(r: TransitionRow, job?: unknown): HistoryEntry {
  const steps: HistoryStep[] = [
    ...r.completed_hooks.map((h): HistoryStep => ({ key: hookLabel(h), status: 'completed', at: null, sinceStartMs: null, error: null, detail: null })),
    ...r.failed_hooks.map((h): HistoryStep => ({ key: hookLabel(h), status: 'failed', at: null, sinceStartMs: null, error: { code: h.code ?? null, message: h.message }, detail: null })),
  ];
  return {
    kind: 'transition',
    id: r.id,
    operation: r.transition,
    state: r.state,
    startedAt: iso(r.started_at)!,
    finishedAt: iso(r.finished_at),
    durationMs: durationMs(r.started_at, r.finished_at),
    attempts: r.attempt,
    error: r.state === 'failed' && r.error !== null ? { code: r.error_code, message: r.error } : null,
    failures: (r.failures ?? []).map(attemptFailure),
    steps,
    detail: { from: r.from_status, to: r.to_status, phase: r.phase, ...(job ? { job } : {}) },
  };
}

export function attemptFailure(f: TransitionRow['failures'][number]): AttemptFailure {
  const hook = f.failedHooks?.[0];
  return { attempt: f.attempt, code: f.code, message: f.message, at: iso(f.at), step: hook ? hookLabel(hook) : f.phase, causeCode: hook?.code ?? null };
}
