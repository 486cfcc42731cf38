import { MONTH_OF } from '../../rows';
import type { ColdSource, PartitionStats, StrategyDefinition } from '../types';
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
      coldSource(workspaceId: string, months: number[]): ColdSource {
        return {
          from: objects.tableFunction('coldGlob'),
          where: `workspace_id = {ws:String} AND ${MONTH_OF} IN {months:Array(UInt32)}`,
          params: { coldGlob: objects.workspaceGlob(workspaceId), ws: workspaceId, months, ...objects.credentials() },
        };
      },
    };
  },
};
