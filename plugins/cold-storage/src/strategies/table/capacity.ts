import { tablePartLimits, type ClickHouse } from '@permafrost/backend-lib';
import { ColdPartsLimitError, PARTS_LIMIT_ADVICE } from '../../errors';
import { DEFAULT_TABLES, type ColdStorageTables } from '../../tables';
import type { ColdTableCapacity } from '../types';
import { coldTablesOf } from './ddl';

/**
 * The part wall. The cold tables are partitioned by (workspace_id, month), so every archived
 * workspace-month is a part of its own in each table (~13 S3 objects each), and parts never merge
 * across partitions. At `max_parts_in_total` active parts the engine refuses every insert into the
 * table with TOO_MANY_PARTS (code 252) — for every workspace at once. It checks before each insert, so
 * one insert may overshoot; an archive is therefore refused ahead of it, while the table would stay
 * under this share of the limit after the archive (the rest is margin for archives running at once).
 */
export const PARTS_SAFE_SHARE = 0.9;

/**
 * Active parts and the effective limit of each cold table, from table metadata only (tablePartLimits):
 * cheap enough for a status page, whatever the fleet's size.
 */
export async function coldTablesCapacity(ch: ClickHouse, tables: ColdStorageTables = DEFAULT_TABLES): Promise<ColdTableCapacity[]> {
  const limits = await tablePartLimits(ch, { tables: tables.all.map((t) => coldTablesOf(t, tables).cold) });
  return limits.map((t) => ({
    ...t,
    refuseAbove: Math.floor(t.maxPartsInTotal * PARTS_SAFE_SHARE),
    usedShare: t.maxPartsInTotal > 0 ? Math.round((t.activeParts / t.maxPartsInTotal) * 10_000) / 10_000 : 1,
  }));
}

/**
 * Refuses, before anything is copied or recorded, an archive that would take a cold table past its safe
 * share. `months` are the months the archive would copy: at most one new part each per table (a month
 * that tops up an earlier archive replaces its partition instead, so this never undercounts).
 */
export async function assertColdRoom(ch: ClickHouse, tables: ColdStorageTables, workspaceId: string, months: readonly number[]): Promise<void> {
  for (const t of await coldTablesCapacity(ch, tables)) {
    const after = t.activeParts + months.length;
    if (after <= t.refuseAbove) continue;
    throw new ColdPartsLimitError(
      `Archive of workspace ${workspaceId} refused: it would add up to ${months.length} parts (one per month) to ${t.table}, which holds ` +
      `${t.activeParts} active parts; its max_parts_in_total is ${t.maxPartsInTotal} (${t.limitSource === 'table' ? 'the table\'s own setting' : 'the engine default'}), ` +
      `and archives stop at ${Math.round(PARTS_SAFE_SHARE * 100)} % of it (${t.refuseAbove}) because at the limit the engine refuses every insert into the table, ` +
      `for every workspace. Nothing was copied or recorded; the workspace's events stay hot. To go on, ${PARTS_LIMIT_ADVICE}; then retry the transition.`,
      { workspaceId, plugin: 'cold-storage', table: t.table });
  }
}
