import { USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../../errors';
import { ROW_KEY, sameDigest, STORED_COLUMNS, type RowDigest } from '../../rows';
import { digest, HOT_MONTH_AT_WATERMARK, throwIfAborted } from '../shared';
import type { Archiver, MonthArchived, OperationContext } from '../types';
import type { ParquetObjects } from './objects';

interface MonthCheckpoint {
  verified: RowDigest;
  bytes: number;
}

/**
 * Writes a month's hot rows as one Parquet object with `INSERT INTO FUNCTION s3(…)`; rows already in an
 * earlier archive's file of that month are left out. The object appears whole or not at all (multipart
 * upload), and a retry of the operation overwrites its own file, so repeating the month is safe.
 */
export class ParquetArchiver implements Archiver {
  constructor(
    private readonly ch: ClickHouse,
    private readonly objects: ParquetObjects,
  ) {}

  async archiveMonth(ctx: OperationContext, month: number): Promise<MonthArchived> {
    const done = await ctx.checkpoints.get<MonthCheckpoint>(month);
    if (done) return { month, digest: done.verified, bytes: done.bytes };
    throwIfAborted(ctx.signal);
    const file = this.objects.file(ctx.workspaceId, month, ctx.operationId);
    const params = {
      ws: ctx.workspaceId, month, watermark: ctx.watermark, file, fileName: `${ctx.operationId}.parquet`,
      monthGlob: this.objects.monthGlob(ctx.workspaceId, month), ...this.objects.credentials(),
    };
    await this.ch.command(
      `INSERT INTO FUNCTION ${this.objects.tableFunction('file')}
       SELECT ${STORED_COLUMNS} FROM ${USER_EVENTS_TABLE}
       WHERE ${HOT_MONTH_AT_WATERMARK}
         AND ${ROW_KEY} NOT IN (SELECT ${ROW_KEY} FROM ${this.objects.tableFunction('monthGlob')} WHERE _file != {fileName:String})`,
      params, { s3_truncate_on_insert: 1, s3_throw_on_zero_files_match: 0 } as Record<string, number>);
    const cold = await digest(this.ch, this.objects.tableFunction('file'), '1', params);
    const hot = await digest(this.ch, USER_EVENTS_TABLE, `${HOT_MONTH_AT_WATERMARK} AND ${ROW_KEY} IN (SELECT ${ROW_KEY} FROM ${this.objects.tableFunction('file')})`, params);
    if (!sameDigest(cold, hot)) {
      throw new VerificationFailedError(
        `Parquet archive of workspace ${ctx.workspaceId}, month ${month}: the file (${cold.rows} rows, checksum ${cold.checksum}) differs from the hot rows (${hot.rows} rows, checksum ${hot.checksum}). No hot row was deleted; retry the transition.`,
        { workspaceId: ctx.workspaceId });
    }
    const size = await this.ch.one<{ bytes: string }>(`SELECT any(_size) AS bytes FROM s3({file:String}, {s3key:String}, {s3secret:String}, 'One')`, params);
    await ctx.checkpoints.put(month, -1, { verified: cold, bytes: Number(size.bytes) });
    return { month, digest: cold, bytes: Number(size.bytes) };
  }
}
