import { MONTH_OF } from '../../rows';
import { rowsPerWorkspace } from '../kit';
import type { PartitionStats, StrategyDefinition } from '../types';
import { TableArchiver } from './archiver';
import { assertColdRoom, coldTablesCapacity } from './capacity';
import { coldTablesOf, tableStrategyMigrations } from './ddl';
import { partitionsBytes } from './partitions';
import { TableRestorer } from './restorer';

export { COLD_TABLE, STAGING_TABLE, COLD_INTERNAL_TABLE, STAGING_INTERNAL_TABLE, coldTableDdl, coldTablesOf } from './ddl';

/**
 * The default strategy: MergeTree tables on the S3 `cold_storage` policy — `user_events_cold_storage`
 * (the seed's shape) and `internal_events_cold_storage`.
 */
export const tableStrategy: StrategyDefinition = {
  name: 'table',
  migrations: tableStrategyMigrations,
  create: ({ ch, s3, pageRows, batchRows, tables }) => ({
    name: 'table',
    archiver: new TableArchiver(ch, tables, batchRows),
    restorer: new TableRestorer(ch, s3, pageRows, tables, batchRows === undefined ? undefined : 2 * batchRows),
    admit: (workspaceId, months) => assertColdRoom(ch, tables, workspaceId, months),
    capacity: () => coldTablesCapacity(ch, tables),
    coldRowsOf: (workspaceIds) => rowsPerWorkspace(ch, coldTablesOf(tables.events, tables).cold, workspaceIds),
    async coldPartitions(workspaceId: string): Promise<PartitionStats[]> {
      const byMonth = new Map<number, PartitionStats>();
      for (const table of tables.all) {
        const cold = coldTablesOf(table, tables).cold;
        const rows = await ch.rows<{ month: number; rows: string }>(
          `SELECT ${MONTH_OF} AS month, count() AS rows FROM ${cold} WHERE workspace_id = {ws:String} GROUP BY month ORDER BY month`,
          { ws: workspaceId });
        const bytes = await partitionsBytes(ch, cold, workspaceId, rows.map((r) => Number(r.month)));
        for (const r of rows) {
          const m = byMonth.get(Number(r.month)) ?? { month: Number(r.month), rows: 0, bytes: 0 };
          if (table.kind === 'events') m.rows += Number(r.rows);
          m.bytes += bytes.get(Number(r.month)) ?? 0;
          byMonth.set(m.month, m);
        }
      }
      return [...byMonth.values()].sort((a, b) => a.month - b.month);
    },
  }),
};
