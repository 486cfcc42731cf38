import type { DataSource } from 'typeorm';
import { durationMs, iso, isoMicros, type HistoryEntry, type HistoryPosition, type HistoryStep, type OperationSummary, type PositionedEntry } from '@permafrost/backend-lib';

interface OperationRow {
  id: string;
  workspace_id: string;
  kind: string;
  strategy: string;
  snapshot: unknown;
  months: number[] | null;
  state: string;
  attempt: number;
  rows: string;
  bytes: string;
  error: string | null;
  error_code: string | null;
  started_at: Date;
  finished_at: Date | null;
  position_at: string;
  last_step: string | null;
}

const COLUMNS = `o.id::text AS id, o.workspace_id::text AS workspace_id, o.kind, o.strategy, o.snapshot, o.months, o.state, o.attempt,
  o.rows, o.bytes, o.error, o.error_code, o.started_at, o.finished_at, ${isoMicros('o.started_at')} AS position_at,
  (SELECT s.key FROM cold_storage_step s WHERE s.operation_id = o.id ORDER BY s.updated_at DESC, s.key DESC LIMIT 1) AS last_step`;

/**
 * Reads of the cold-storage journal (cold_storage_operation, cold_storage_step) for inspection. Read-only;
 * every query is bound to one workspace (index workspace_id, seq), one page of ids, or one page of
 * operations (the steps' primary key starts with operation_id): never a scan of other workspaces' rows.
 */
export class OperationHistory {
  constructor(private readonly dataSource: DataSource) {}

  async history(workspaceId: string, page: { limit: number; before?: HistoryPosition }): Promise<PositionedEntry[]> {
    const rows: OperationRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM cold_storage_operation o
        WHERE o.workspace_id = $1 AND ($2::timestamptz IS NULL OR (o.started_at, o.id) < ($2::timestamptz, $3::uuid))
        ORDER BY o.started_at DESC, o.id DESC LIMIT $4`,
      [workspaceId, page.before?.at ?? null, page.before?.id ?? null, page.limit]);
    const steps = await this.steps(rows);
    return rows.map((r) => ({ entry: toEntry(r, steps.get(r.id) ?? []), position: { at: r.position_at, id: r.id } }));
  }

  /** The latest operation of each workspace (by creation order): one query, one index probe per id. */
  async latest(workspaceIds: readonly string[]): Promise<Map<string, OperationSummary>> {
    if (workspaceIds.length === 0) return new Map();
    const rows: OperationRow[] = await this.dataSource.query(
      `SELECT l.* FROM unnest($1::uuid[]) AS w(id)
         CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM cold_storage_operation o WHERE o.workspace_id = w.id ORDER BY o.seq DESC LIMIT 1) AS l`,
      [workspaceIds]);
    return new Map(rows.map((r) => [r.workspace_id, summary(r)]));
  }

  private async steps(ops: OperationRow[]): Promise<Map<string, HistoryStep[]>> {
    const result = new Map<string, HistoryStep[]>();
    if (ops.length === 0) return result;
    const started = new Map(ops.map((o) => [o.id, o.started_at]));
    const rows: Array<{ operation_id: string; key: string; state: unknown; updated_at: Date }> = await this.dataSource.query(
      `SELECT operation_id::text AS operation_id, key, state, updated_at FROM cold_storage_step
        WHERE operation_id = ANY($1::uuid[]) ORDER BY updated_at, key`, [ops.map((o) => o.id)]);
    for (const r of rows) {
      const list = result.get(r.operation_id) ?? [];
      list.push({
        key: r.key, status: 'recorded', at: iso(r.updated_at), sinceStartMs: durationMs(started.get(r.operation_id)!, r.updated_at),
        error: null, detail: shorten(r.state) as Record<string, unknown>,
      });
      result.set(r.operation_id, list);
    }
    return result;
  }
}

const currentError = (r: OperationRow) => (r.state === 'failed' && r.error !== null ? { code: r.error_code, message: r.error } : null);

function summary(r: OperationRow): OperationSummary {
  return {
    kind: 'cold-storage-operation', id: r.id, operation: r.kind, state: r.state, attempts: Number(r.attempt),
    startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at), durationMs: durationMs(r.started_at, r.finished_at),
    error: currentError(r), lastStep: r.last_step,
  };
}

function toEntry(r: OperationRow, steps: HistoryStep[]): HistoryEntry {
  const error = currentError(r);
  return {
    kind: 'cold-storage-operation', id: r.id, operation: r.kind, state: r.state,
    startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at), durationMs: durationMs(r.started_at, r.finished_at), attempts: Number(r.attempt),
    error,
    // The journal keeps the current failure only (a retry clears it); earlier attempts show in `attempts`.
    failures: error ? [{ attempt: Number(r.attempt), code: error.code, message: error.message, at: iso(r.finished_at), step: r.last_step ? `after ${r.last_step}` : null, causeCode: null }] : [],
    steps,
    detail: { strategy: r.strategy, months: (r.months ?? []).map(Number), snapshot: r.snapshot ?? null, rows: Number(r.rows), bytes: Number(r.bytes) },
  };
}

/** A step's state as history shows it: arrays (object keys, page lists) become their length. */
function shorten(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return { items: value.length };
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 3) return '…';
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v, depth + 1)]));
}
