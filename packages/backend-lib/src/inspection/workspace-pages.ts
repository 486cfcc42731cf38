import type { DataSource } from 'typeorm';
import type { WorkspaceStatus } from '@permafrost/core/plugin';
import type { ColdStorageState } from '../db/schema';

export interface WorkspacePageRow {
  id: string;
  name: string;
  status: WorkspaceStatus;
  cold_storage_state: ColdStorageState;
  cold_storage_strategy: string | null;
  updated_at: Date;
}

export interface WorkspacePageQuery {
  status?: WorkspaceStatus;
  coldState?: ColdStorageState;
  hasFailure?: boolean;
  /** Keyset: ids strictly greater than this one. */
  after?: string;
  limit: number;
}

/** The workspace's latest transition failed (a veto included: its last operation did not happen). */
const LATEST_FAILED = (alias: string) => `EXISTS (
  SELECT 1 FROM workspace_transition t
   WHERE t.workspace_id = ${alias}.id AND t.state = 'failed'
     AND t.seq = (SELECT max(l.seq) FROM workspace_transition l WHERE l.workspace_id = t.workspace_id))`;

/**
 * One page of workspaces in id order, after a keyset cursor. SQL text is assembled from constant
 * fragments only; every value is a bound parameter. Each filter combination walks an index in id order
 * ((status, id), (cold_storage_state, id), (status, cold_storage_state, id), or the primary key) and stops
 * after `limit` rows, so a page costs the same however many workspaces there are. `hasFailure: true`
 * starts from the failures instead (cold_storage_state = 'failed' through its index, failed transitions
 * through a partial index), so its cost follows the number of failures, not of workspaces.
 */
export async function workspacePage(dataSource: DataSource, q: WorkspacePageQuery): Promise<WorkspacePageRow[]> {
  const { text, params } = workspacePageQuery(q);
  return dataSource.query(text, params);
}

/** The SQL and parameters of one page (separate so its plan can be examined). */
export function workspacePageQuery(q: WorkspacePageQuery): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.after) where.push(`w.id > ${bind(q.after)}::uuid`);
  if (q.status) where.push(`w.status = ${bind(q.status)}::workspace_status`);
  if (q.coldState) where.push(`w.cold_storage_state = ${bind(q.coldState)}::cold_storage_state`);
  if (q.hasFailure === false) where.push(`w.cold_storage_state <> 'failed' AND NOT ${LATEST_FAILED('w')}`);
  let from = 'workspace w';
  if (q.hasFailure === true) {
    const after = q.after ? bind(q.after) : undefined;
    from = `(SELECT id FROM workspace WHERE cold_storage_state = 'failed' ${after ? `AND id > ${after}::uuid` : ''}
             UNION
             SELECT f.workspace_id FROM workspace_transition f
              WHERE f.state = 'failed' ${after ? `AND f.workspace_id > ${after}::uuid` : ''}
                AND f.seq = (SELECT max(l.seq) FROM workspace_transition l WHERE l.workspace_id = f.workspace_id)) AS failing
           JOIN workspace w ON w.id = failing.id`;
  }
  const limit = bind(q.limit);
  const text = `SELECT w.id::text AS id, w.name, w.status::text AS status, w.cold_storage_state::text AS cold_storage_state, w.cold_storage_strategy, w.updated_at
       FROM ${from}
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY w.id LIMIT ${limit}`;
  return { text, params };
}
