import type { DataSource } from 'typeorm';
import { workspaceLockName } from '../workspace-state-store';

/**
 * Which of these workspaces' lifecycle locks some process holds now (a transition, or an archive of late
 * events, runs): read from pg_locks, taking nothing. The state store takes `pg_advisory_lock(bigint)`,
 * which pg_locks shows as classid (high 32 bits) and objid (low 32 bits) with objsubid 1. One query per
 * call whatever the number of ids; pg_locks holds the locks held now, not one row per workspace.
 */
export async function heldLocks(dataSource: DataSource, workspaceIds: readonly string[]): Promise<Set<string>> {
  if (workspaceIds.length === 0) return new Set();
  const rows: Array<{ id: string }> = await dataSource.query(
    `SELECT w.id::text AS id FROM unnest($1::uuid[]) AS w(id)
      WHERE EXISTS (SELECT 1 FROM pg_locks l
                     WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
                       AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($2 || w.id::text, 0))`,
    [workspaceIds, workspaceLockName('')]);
  return new Set(rows.map((r) => r.id));
}
