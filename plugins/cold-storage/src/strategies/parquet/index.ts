import { MONTH_OF } from '../../rows';
import type { PartitionStats, StrategyDefinition } from '../types';
import { ParquetArchiver } from './archiver';
import { ParquetObjects, ZERO_FILES_OK } from './objects';
import { ParquetRestorer } from './restorer';

/**
 * The second strategy: Parquet objects on S3, written and read by ClickHouse's s3() table function. No
 * table holds them, so they outlive any ClickHouse schema change and other tools can read them.
 */
export const parquetStrategy: StrategyDefinition = {
  name: 'parquet',
  migrations: [],
  create: ({ ch, s3, pageRows, tables }) => {
    const objects = new ParquetObjects(s3);
    return {
      name: 'parquet',
      archiver: new ParquetArchiver(ch, objects, tables),
      restorer: new ParquetRestorer(ch, objects, pageRows, tables),
      async coldPartitions(workspaceId: string): Promise<PartitionStats[]> {
        const byMonth = new Map<number, PartitionStats>();
        for (const table of tables.all) {
          const glob = objects.workspaceGlob(table, workspaceId);
          const rows = await ch.rows<{ month: number; rows: string }>(
            `SELECT ${MONTH_OF} AS month, count() AS rows FROM ${objects.tableFunction(table, 'glob')} WHERE workspace_id = {ws:String} GROUP BY month ORDER BY month`,
            { glob, ws: workspaceId, ...objects.credentials() }, ZERO_FILES_OK);
          const sizes = await ch.rows<{ month: string; bytes: string }>(
            `SELECT extract(path, '/(\\\\d{6})/(?:internal/)?[^/]+$') AS month, sum(size) AS bytes
             FROM (SELECT DISTINCT _path AS path, _size AS size FROM s3({glob:String}, {s3key:String}, {s3secret:String}, 'One')) GROUP BY month`,
            { glob, ...objects.credentials() }, ZERO_FILES_OK);
          const bytesByMonth = new Map(sizes.map((s) => [Number(s.month), Number(s.bytes)]));
          for (const r of rows) {
            const m = byMonth.get(Number(r.month)) ?? { month: Number(r.month), rows: 0, bytes: 0 };
            if (table.kind === 'events') m.rows += Number(r.rows);
            m.bytes += bytesByMonth.get(Number(r.month)) ?? 0;
            byMonth.set(m.month, m);
          }
        }
        return [...byMonth.values()].sort((a, b) => a.month - b.month);
      },
    };
  },
};
