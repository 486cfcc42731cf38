import { MONTH_OF } from '../../rows';
import { assertWorkspaceId } from '@permafrost/backend-lib';
import type { ColdSource, PartitionStats, StrategyDefinition } from '../types';

/** Per-workspace table of cold row keys for the pending deletes; the name is built from a checked UUID. */
function keysTable(workspaceId: string): string {
  assertWorkspaceId(workspaceId);
  return `permafrost_parquet_keys_${workspaceId.replace(/-/g, '_')}`;
}
import { ParquetArchiver } from './archiver';
import { ParquetObjects } from './objects';
import { ParquetRestorer } from './restorer';

/**
 * The second strategy: Parquet objects on S3, written and read by ClickHouse's s3() table function. No
 * table holds them, so they outlive any ClickHouse schema change and other tools can read them.
 */
export const parquetStrategy: StrategyDefinition = {
  name: 'parquet',
  migrations: [],
  create: ({ ch, s3, pageRows }) => {
    const objects = new ParquetObjects(s3);
    return {
      name: 'parquet',
      archiver: new ParquetArchiver(ch, objects),
      restorer: new ParquetRestorer(ch, objects, pageRows),
      async coldPartitions(workspaceId: string): Promise<PartitionStats[]> {
        const glob = objects.workspaceGlob(workspaceId);
        const settings = { s3_throw_on_zero_files_match: 0 } as Record<string, number>;
        const rows = await ch.rows<{ month: number; rows: string }>(
          `SELECT ${MONTH_OF} AS month, count() AS rows FROM ${objects.tableFunction('glob')} WHERE workspace_id = {ws:String} GROUP BY month ORDER BY month`,
          { glob, ws: workspaceId, ...objects.credentials() }, settings);
        const sizes = await ch.rows<{ month: string; bytes: string }>(
          `SELECT extract(path, '/(\\\\d{6})/[^/]+$') AS month, sum(size) AS bytes
           FROM (SELECT DISTINCT _path AS path, _size AS size FROM s3({glob:String}, {s3key:String}, {s3secret:String}, 'One')) GROUP BY month`,
          { glob, ...objects.credentials() }, settings);
        const bytesByMonth = new Map(sizes.map((s) => [Number(s.month), Number(s.bytes)]));
        return rows.map((r) => ({ month: Number(r.month), rows: Number(r.rows), bytes: bytesByMonth.get(Number(r.month)) ?? 0 }));
      },
      /**
       * The deletes run in the background with their subquery stored in system.mutations; an s3() call
       * there would keep the S3 secret in plain text (measured). So the keys are first copied into a local
       * table, which the delete reads instead, and dropped once the deletes are done.
       */
      async coldSource(workspaceId: string, months: number[]): Promise<ColdSource> {
        const table = keysTable(workspaceId);
        await ch.command(`DROP TABLE IF EXISTS ${table} SYNC`);
        await ch.command(
          `CREATE TABLE ${table} ENGINE = MergeTree ORDER BY (processing_time, message_id) AS
           SELECT processing_time, message_id, cityHash64(message_raw, server_time) AS payload_hash
           FROM ${objects.tableFunction('coldGlob')} WHERE workspace_id = {ws:String} AND ${MONTH_OF} IN {months:Array(UInt32)}`,
          { coldGlob: objects.workspaceGlob(workspaceId), ws: workspaceId, months, ...objects.credentials() },
          { s3_throw_on_zero_files_match: 0 } as Record<string, number>);
        return { from: table, where: '1', params: {}, rowKey: '(processing_time, message_id, payload_hash)', eventKey: '(processing_time, message_id)' };
      },
      async afterDeletes(workspaceId: string): Promise<void> {
        await ch.command(`DROP TABLE IF EXISTS ${keysTable(workspaceId)} SYNC`);
      },
    };
  },
};
