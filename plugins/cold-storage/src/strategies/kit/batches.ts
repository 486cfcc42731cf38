import type { ClickHouse } from '@permafrost/backend-lib';

/** Consecutive slices of at most `size` items (statements that bind a list take it a slice at a time). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** Workspace ids bound per statement: 500 UUIDs are ~20 KB of URL, well under any server's limit. */
export const WORKSPACES_PER_QUERY = 500;

/** Rows per workspace of `table`, for many workspaces (fleet-wide checks): one grouped read per 500 ids; absent ids have none. */
export async function rowsPerWorkspace(ch: ClickHouse, table: string, workspaceIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const ids of chunks(workspaceIds, WORKSPACES_PER_QUERY)) {
    const rows = await ch.rows<{ ws: string; rows: string }>(
      `SELECT workspace_id AS ws, count() AS rows FROM ${table} WHERE workspace_id IN {ids:Array(String)} GROUP BY ws`, { ids });
    for (const r of rows) counts.set(r.ws, Number(r.rows));
  }
  return counts;
}

// The data layer's (it stops killed queries with it too), re-exported for strategies.
export { waitUntilNone } from '@permafrost/backend-lib';
