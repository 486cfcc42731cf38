import type { ClickHouse } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../../errors';
import { EMPTY_DIGEST, sameDigest, type EventTable, type RowDigest } from '../../rows';
import { DEFAULT_TABLES, type ColdStorageTables } from '../../tables';
import { digest, HOT_MONTH_UNDER_BOUND, throwIfAborted } from '../kit';
import type { Archiver, MonthArchived, OperationContext } from '../types';
import type { ParquetObjects } from './objects';

interface MonthStep {
  /** What this operation's file holds (the month may have files of earlier archives too). */
  file: RowDigest;
  bytes: number;
}

/**
 * Writes the hot rows a month's archive owns as one Parquet object per table with
 * `INSERT INTO FUNCTION s3(…)`. The object appears whole or not at all (multipart upload), and a retry of
 * the operation overwrites its own file (`s3_truncate_on_insert`), so repeating the month is safe.
 */
export class ParquetArchiver implements Archiver {
  constructor(
    private readonly ch: ClickHouse,
    private readonly objects: ParquetObjects,
    private readonly tables: ColdStorageTables = DEFAULT_TABLES,
  ) {}

  async archiveMonth(ctx: OperationContext, month: number): Promise<MonthArchived> {
    const result: MonthArchived = { month, digest: EMPTY_DIGEST, copied: { events: 0, internal: 0 }, bytes: 0 };
    for (const table of this.tables.all) {
      const step = await this.archiveTableMonth(ctx, table, month);
      result.copied[table.kind] = step.file.rows;
      result.bytes += step.bytes;
      if (table.kind === 'events') result.digest = step.file;
    }
    return result;
  }

  private async archiveTableMonth(ctx: OperationContext, table: EventTable, month: number): Promise<MonthStep> {
    const key = `archive:${table.kind}:${month}`;
    const done = await ctx.steps.get<MonthStep>(key);
    if (done) return done;
    throwIfAborted(ctx.signal);
    const file = this.objects.file(table, ctx.workspaceId, month, ctx.operationId);
    const params = { ws: ctx.workspaceId, month, bound: ctx.snapshot[table.kind], file, ...this.objects.credentials() };
    const hot = await digest(this.ch, table, table.hot, HOT_MONTH_UNDER_BOUND, params);
    if (hot.rows === 0) {
      const empty = { file: EMPTY_DIGEST, bytes: 0 };
      await ctx.steps.put(key, empty);
      return empty;
    }
    await this.ch.command(
      `INSERT INTO FUNCTION ${this.objects.tableFunction(table, 'file')} SELECT ${table.columns} FROM ${table.hot} WHERE ${HOT_MONTH_UNDER_BOUND}`,
      params, { s3_truncate_on_insert: 1 } as Record<string, number>);
    const cold = await digest(this.ch, table, this.objects.tableFunction(table, 'file'), '1', params);
    if (!sameDigest(cold, hot)) {
      throw new VerificationFailedError(
        `Parquet archive of workspace ${ctx.workspaceId}, ${table.hot} month ${month}: the file (${cold.rows} rows, checksum ${cold.checksum}) differs from the hot rows (${hot.rows} rows, checksum ${hot.checksum}). No hot row was deleted; retry the transition.`,
        { workspaceId: ctx.workspaceId });
    }
    const size = await this.ch.one<{ bytes: string }>(`SELECT any(_size) AS bytes FROM s3({file:String}, {s3key:String}, {s3secret:String}, 'One')`, params);
    const step = { file: cold, bytes: Number(size.bytes) };
    await ctx.steps.put(key, step);
    return step;
  }
}
