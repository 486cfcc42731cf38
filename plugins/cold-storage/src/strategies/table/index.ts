import { MONTH_OF, ROW_KEY } from '../../rows';
import type { ColdSource, PartitionStats, StrategyDefinition } from '../types';
import { TableArchiver } from './archiver';
import { COLD_TABLE, tableStrategyMigrations } from './ddl';
import { partitionsBytes } from './partitions';
import { TableRestorer } from './restorer';

export { COLD_TABLE, STAGING_TABLE, coldTableDdl } from './ddl';

/** The default strategy: the MergeTree table `user_events_cold_storage` on the S3 `cold_storage` policy. */
export const tableStrategy: StrategyDefinition = {
  name: 'table',
  migrations: tableStrategyMigrations,
  create: ({ ch, s3, pageRows }) => ({
    name: 'table',
    archiver: new TableArchiver(ch),
    restorer: new TableRestorer(ch, s3, pageRows),
    async coldPartitions(workspaceId: string): Promise<PartitionStats[]> {
      const rows = await ch.rows<{ month: number; rows: string }>(
        `SELECT ${MONTH_OF} AS month, count() AS rows FROM ${COLD_TABLE} WHERE workspace_id = {ws:String} GROUP BY month ORDER BY month`,
        { ws: workspaceId });
      const bytes = await partitionsBytes(ch, COLD_TABLE, workspaceId, rows.map((r) => Number(r.month)));
      return rows.map((r) => ({ month: Number(r.month), rows: Number(r.rows), bytes: bytes.get(Number(r.month)) ?? 0 }));
    },
    async coldSource(workspaceId: string, months: number[]): Promise<ColdSource> {
      return {
        from: COLD_TABLE, where: `workspace_id = {ws:String} AND ${MONTH_OF} IN {months:Array(UInt32)}`, params: { ws: workspaceId, months },
        rowKey: ROW_KEY, eventKey: '(processing_time, message_id)',
      };
    },
  }),
};
