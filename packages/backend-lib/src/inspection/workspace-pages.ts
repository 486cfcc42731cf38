import type { DataSource } from 'typeorm';
import type { WorkspaceStatus } from '@permafrost/core/plugin';
import type { ColdStorageState } from '../db/schema';
import type { WorkspaceSqlNames, WorkspaceTable } from '../workspace-table';

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
const LATEST_FAILED = (n: WorkspaceSqlNames, alias: string) => `EXISTS (
  SELECT 1 FROM workspace_transition t
   WHERE t.workspace_id = ${alias}.${n.id} AND t.state = 'failed'
     AND t.seq = (SELECT max(l.seq) FROM workspace_transition l WHERE l.workspace_id = t.workspace_id))`;

/**
 * One page of workspaces in id order, after a keyset cursor. SQL text is assembled from constant
 * fragments and the profile's quoted names only; every value is a bound parameter (typed by the column
 * it is compared with, so the platform's enum or text types both work). On our schema each filter
 * combination walks an index in id order ((status, id), (cold_storage_state, id), (status,
 * cold_storage_state, id), or the primary key) and stops after `limit` rows, so a page costs the same
 * however many workspaces there are; on a platform's table (Dittofeed's "Workspace") it walks whatever
 * indexes the platform has. `hasFailure: true` starts from the failures instead (cold state 'failed',
 * failed transitions through a partial index), so its cost follows the number of failures.
 */
export async function workspacePage(dataSource: DataSource, table: WorkspaceTable, q: WorkspacePageQuery): Promise<WorkspacePageRow[]> {
  const { text, params } = workspacePageQuery(table.sql, { ...q, status: q.status && table.statusValue(q.status) });
  const rows: Array<WorkspacePageRow & { status: string }> = await dataSource.query(text, params);
  return rows.map((r) => ({ ...r, status: table.statusOf(r.status, r.id) }));
}

/** The SQL and parameters of one page (separate so its plan can be examined); `q.status` as stored. */
export function workspacePageQuery(n: WorkspaceSqlNames, q: Omit<WorkspacePageQuery, 'status'> & { status?: string }): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.after) where.push(`w.${n.id} > ${bind(q.after)}::uuid`);
  if (q.status) where.push(`w.${n.status} = ${bind(q.status)}`);
  if (q.coldState) where.push(`w.${n.coldStorageState} = ${bind(q.coldState)}`);
  if (q.hasFailure === false) where.push(`w.${n.coldStorageState} <> 'failed' AND NOT ${LATEST_FAILED(n, 'w')}`);
  let from = `${n.table} w`;
  if (q.hasFailure === true) {
    const after = q.after ? bind(q.after) : undefined;
    from = `(SELECT ${n.id} AS id FROM ${n.table} WHERE ${n.coldStorageState} = 'failed' ${after ? `AND ${n.id} > ${after}::uuid` : ''}
             UNION
             SELECT f.workspace_id FROM workspace_transition f
              WHERE f.state = 'failed' ${after ? `AND f.workspace_id > ${after}::uuid` : ''}
                AND f.seq = (SELECT max(l.seq) FROM workspace_transition l WHERE l.workspace_id = f.workspace_id)) AS failing
           JOIN ${n.table} w ON w.${n.id} = failing.id`;
  }
  const limit = bind(q.limit);
  const text = `SELECT w.${n.id}::text AS id, w.${n.name} AS name, w.${n.status}::text AS status, w.${n.coldStorageState}::text AS cold_storage_state,
            w.${n.coldStorageStrategy} AS cold_storage_strategy, ${n.updatedAt('w')} AS updated_at
       FROM ${from}
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY w.${n.id} LIMIT ${limit}`;
  return { text, params };
}
