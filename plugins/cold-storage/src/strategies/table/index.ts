import { EVENT_TABLES, MONTH_OF } from '../../rows';
import type { PartitionStats, StrategyDefinition } from '../types';
import { TableArchiver } from './archiver';
import { assertColdRoom, coldTablesCapacity } from './capacity';
import { COLD_TABLE, coldTablesOf, tableStrategyMigrations } from './ddl';
import { partitionsBytes } from './partitions';
import { TableRestorer } from './restorer';

export { COLD_TABLE, STAGING_TABLE, COLD_INTERNAL_TABLE, STAGING_INTERNAL_TABLE, coldTableDdl } from './ddl';

/**
 * The default strategy: MergeTree tables on the S3 `cold_storage` policy — `user_events_cold_storage`
 * (the seed's shape) and `internal_events_cold_storage`.
 */
export const tableStrategy: StrategyDefinition = {
  name: 'table',
  migrations: tableStrategyMigrations,
  create: ({ ch, s3, pageRows }) => ({
    name: 'table',
    archiver: new TableArchiver(ch),
    restorer: new TableRestorer(ch, s3, pageRows),
    admit: (workspaceId, months) => assertColdRoom(ch, workspaceId, months),
    capacity: () => coldTablesCapacity(ch),
    async coldPartitions(workspaceId: string): Promise<PartitionStats[]> {
      const byMonth = new Map<number, PartitionStats>();
      for (const table of EVENT_TABLES) {
        const cold = coldTablesOf(table).cold;
        const rows = await ch.rows<{ month: number; rows: string }>(
          `SELECT ${MONTH_OF} AS month, count() AS rows FROM ${cold} WHERE workspace_id = {ws:String} GROUP BY month ORDER BY month`,
          { ws: workspaceId });
        const bytes = await partitionsBytes(ch, cold, workspaceId, rows.map((r) => Number(r.month)));
        for (const r of rows) {
          const m = byMonth.get(Number(r.month)) ?? { month: Number(r.month), rows: 0, bytes: 0 };
          if (cold === COLD_TABLE) m.rows += Number(r.rows);
          m.bytes += bytes.get(Number(r.month)) ?? 0;
          byMonth.set(m.month, m);
        }
      }
      return [...byMonth.values()].sort((a, b) => a.month - b.month);
    },
  }),
};
