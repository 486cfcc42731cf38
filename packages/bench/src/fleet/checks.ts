import type { DataSource } from 'typeorm';
import type { ClickHouse } from '@permafrost/backend-lib';
import { coldStoredDigests, EMPTY, hotRowDigests, sameDigest, type Digest, type TableDigests } from './digests';

/** One workspace's lifecycle and cold-storage bookkeeping, from one grouped Postgres query. */
export interface WorkspaceRecord {
  id: string;
  status: string;
  coldState: string;
  /** The workspace's latest transition. */
  transitionId: string | null;
  transitionState: string | null;
  transitionAttempt: number | null;
  transitionError: string | null;
  /** Its latest cold-storage operation. */
  operationKind: string | null;
  operationState: string | null;
  operationAttempt: number | null;
  operationErrorCode: string | null;
}

export async function workspaceRecords(db: DataSource, workspaceIds: string[]): Promise<Map<string, WorkspaceRecord>> {
  const rows: WorkspaceRecord[] = await db.query(
    `SELECT w.id, w.status, w.cold_storage_state AS "coldState",
            t.id AS "transitionId", t.state AS "transitionState", t.attempt AS "transitionAttempt", t.error AS "transitionError",
            o.kind AS "operationKind", o.state AS "operationState", o.attempt AS "operationAttempt", o.error_code AS "operationErrorCode"
       FROM workspace w
       LEFT JOIN LATERAL (SELECT id, state, attempt, error FROM workspace_transition WHERE workspace_id = w.id ORDER BY seq DESC LIMIT 1) t ON true
       LEFT JOIN LATERAL (SELECT kind, state, attempt, error_code FROM cold_storage_operation WHERE workspace_id = w.id ORDER BY seq DESC LIMIT 1) o ON true
      WHERE w.id = ANY($1::uuid[])`,
    [workspaceIds]);
  return new Map(rows.map((r) => [r.id, r]));
}

/** What was seeded into each workspace: every hot column, and the columns cold storage keeps. */
export interface Seeded {
  hot: TableDigests;
  stored: TableDigests;
}

export interface WorkspaceCheck {
  workspaceId: string;
  /** Empty when the workspace is exactly as expected; otherwise one sentence per disagreement. */
  problems: string[];
}

const show = (d: Digest) => `${d.rows} rows/${d.checksum}`;

/**
 * After the pauses: Paused, cold state `archived`, the requested pause and its archive completed, no hot
 * row left (call after the hot deletes settled), and cold holding exactly what was seeded, both tables.
 */
export async function checkPaused(db: DataSource, ch: ClickHouse, seeded: Seeded, operations: Map<string, string>): Promise<WorkspaceCheck[]> {
  const ids = [...operations.keys()];
  const [records, hot, cold] = [await workspaceRecords(db, ids), await hotRowDigests(ch, ids), await coldStoredDigests(ch, ids)];
  return ids.map((id) => {
    const problems = lifecycleProblems(records.get(id), operations.get(id)!, { status: 'Paused', coldState: 'archived', operationKind: 'archive' });
    for (const table of ['events', 'internal'] as const) {
      const h = hot.get(id)![table];
      if (h.rows !== 0) problems.push(`${table}: ${h.rows} rows still hot`);
      const expected = seeded.stored.get(id)![table];
      const c = cold.get(id)![table];
      if (!sameDigest(c, expected)) problems.push(`${table}: cold holds ${show(c)}, seeded ${show(expected)}`);
    }
    return { workspaceId: id, problems };
  });
}

/**
 * After the resumes: Active, cold state `none`, the resume and its restore completed, the hot tables
 * holding exactly the seeded rows (every column), nothing left cold.
 */
export async function checkResumed(db: DataSource, ch: ClickHouse, seeded: Seeded, operations: Map<string, string>): Promise<WorkspaceCheck[]> {
  const ids = [...operations.keys()];
  const [records, hot, cold] = [await workspaceRecords(db, ids), await hotRowDigests(ch, ids), await coldStoredDigests(ch, ids)];
  return ids.map((id) => {
    const problems = lifecycleProblems(records.get(id), operations.get(id)!, { status: 'Active', coldState: 'none', operationKind: 'restore' });
    for (const table of ['events', 'internal'] as const) {
      const h = hot.get(id)![table];
      const expected = seeded.hot.get(id)![table];
      if (!sameDigest(h, expected)) problems.push(`${table}: hot holds ${show(h)}, seeded ${show(expected)}`);
      const c = cold.get(id)![table];
      if (!sameDigest(c, EMPTY)) problems.push(`${table}: ${c.rows} rows still cold`);
    }
    return { workspaceId: id, problems };
  });
}

function lifecycleProblems(r: WorkspaceRecord | undefined, operationId: string, expected: { status: string; coldState: string; operationKind: string }): string[] {
  if (!r) return ['workspace row missing'];
  const problems: string[] = [];
  if (r.status !== expected.status) problems.push(`status ${r.status}, expected ${expected.status}`);
  if (r.coldState !== expected.coldState) problems.push(`cold_storage_state ${r.coldState}, expected ${expected.coldState}`);
  if (r.transitionId !== operationId) problems.push(`latest transition ${r.transitionId}, expected the requested ${operationId}`);
  if (r.transitionState !== 'completed') problems.push(`transition ${r.transitionState}${r.transitionError ? `: ${r.transitionError}` : ''}`);
  if (r.operationKind !== expected.operationKind || r.operationState !== 'completed') {
    problems.push(`latest cold-storage operation ${r.operationKind} ${r.operationState}${r.operationErrorCode ? ` (${r.operationErrorCode})` : ''}, expected ${expected.operationKind} completed`);
  }
  return problems;
}
