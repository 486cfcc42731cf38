import { USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../../errors';
import { DIGEST_SELECT, digestOf, ROW_KEY, sameDigest, STORED_COLUMNS, type RowDigest } from '../../rows';
import { digest, HOT_MONTH_AT_WATERMARK, throwIfAborted, WORKSPACE_MONTH } from '../shared';
import type { Archiver, MonthArchived, OperationContext } from '../types';
import { COLD_TABLE, STAGING_TABLE } from './ddl';
import { dropPartition, partitionBytes, replacePartition } from './partitions';

/**
 * Month checkpoint. `direct`: cold held nothing of this month when the operation reached it, so the
 * month's cold partition is this operation's alone and a retry drops it and copies again. `staged`: cold
 * already held rows (an earlier archive), so the month is rebuilt in the staging table (old cold rows +
 * new hot rows) and swapped in with one atomic REPLACE PARTITION.
 */
interface MonthCheckpoint {
  path: 'direct' | 'staged';
  staged?: RowDigest;
  verified?: RowDigest;
  bytes?: number;
}

export class TableArchiver implements Archiver {
  constructor(private readonly ch: ClickHouse) {}

  async archiveMonth(ctx: OperationContext, month: number): Promise<MonthArchived> {
    const params = { ws: ctx.workspaceId, month, watermark: ctx.watermark };
    let cp = await ctx.checkpoints.get<MonthCheckpoint>(month);
    if (cp?.verified) return { month, digest: cp.verified, bytes: cp.bytes ?? 0 };
    if (!cp) {
      const cold = await digest(this.ch, COLD_TABLE, WORKSPACE_MONTH, params);
      cp = { path: cold.rows === 0 ? 'direct' : 'staged' };
      await ctx.checkpoints.put(month, -1, cp);
    }
    throwIfAborted(ctx.signal);
    const verified = cp.path === 'direct' ? await this.copyDirect(ctx, month, params) : await this.copyStaged(ctx, month, params, cp);
    const bytes = await partitionBytes(this.ch, COLD_TABLE, ctx.workspaceId, month);
    await ctx.checkpoints.put(month, -1, { ...cp, verified, bytes });
    if (cp.path === 'staged') await dropPartition(this.ch, STAGING_TABLE, ctx.workspaceId, month);
    return { month, digest: verified, bytes };
  }

  private async copyDirect(ctx: OperationContext, month: number, params: Record<string, unknown>): Promise<RowDigest> {
    await dropPartition(this.ch, COLD_TABLE, ctx.workspaceId, month);
    await this.ch.command(
      `INSERT INTO ${COLD_TABLE} (${STORED_COLUMNS}) SELECT ${STORED_COLUMNS} FROM ${USER_EVENTS_TABLE} WHERE ${HOT_MONTH_AT_WATERMARK}`, params);
    // The copy must equal the hot rows it was made from: same count, same fingerprint sum. Usually the
    // hot rows under the watermark are exactly those; a backfill that landed after the copy's snapshot
    // makes them differ, and then the copy is compared with the hot rows it holds (one more cold read).
    const cold = await digest(this.ch, COLD_TABLE, WORKSPACE_MONTH, params);
    if (sameDigest(cold, await digest(this.ch, USER_EVENTS_TABLE, HOT_MONTH_AT_WATERMARK, params))) return cold;
    const hot = await digest(this.ch, USER_EVENTS_TABLE,
      `${HOT_MONTH_AT_WATERMARK} AND ${ROW_KEY} IN (SELECT ${ROW_KEY} FROM ${COLD_TABLE} WHERE ${WORKSPACE_MONTH})`, params);
    if (!sameDigest(cold, hot)) throw mismatch(ctx, month, 'cold copy', cold, 'hot rows', hot);
    return cold;
  }

  private async copyStaged(ctx: OperationContext, month: number, params: Record<string, unknown>, cp: MonthCheckpoint): Promise<RowDigest> {
    if (!cp.staged) {
      await dropPartition(this.ch, STAGING_TABLE, ctx.workspaceId, month);
      await this.ch.command(`INSERT INTO ${STAGING_TABLE} (${STORED_COLUMNS}) SELECT ${STORED_COLUMNS} FROM ${COLD_TABLE} WHERE ${WORKSPACE_MONTH}`, params);
      // Rows restored earlier but still cold (an interrupted restore) are already there: skip them.
      await this.ch.command(
        `INSERT INTO ${STAGING_TABLE} (${STORED_COLUMNS}) SELECT ${STORED_COLUMNS} FROM ${USER_EVENTS_TABLE}
         WHERE ${HOT_MONTH_AT_WATERMARK} AND ${ROW_KEY} NOT IN (SELECT ${ROW_KEY} FROM ${COLD_TABLE} WHERE ${WORKSPACE_MONTH})`, params);
      const staged = await digest(this.ch, STAGING_TABLE, WORKSPACE_MONTH, params);
      const expected = digestOf(await this.ch.one<{ rows: string; checksum: string }>(
        `SELECT ${DIGEST_SELECT} FROM (
           SELECT ${STORED_COLUMNS} FROM ${COLD_TABLE} WHERE ${WORKSPACE_MONTH}
           UNION ALL
           SELECT ${STORED_COLUMNS} FROM ${USER_EVENTS_TABLE}
           WHERE ${HOT_MONTH_AT_WATERMARK}
             AND ${ROW_KEY} NOT IN (SELECT ${ROW_KEY} FROM ${COLD_TABLE} WHERE ${WORKSPACE_MONTH})
             AND ${ROW_KEY} IN (SELECT ${ROW_KEY} FROM ${STAGING_TABLE} WHERE ${WORKSPACE_MONTH}))`, params));
      if (!sameDigest(staged, expected)) throw mismatch(ctx, month, 'staged month', staged, 'cold + new hot rows', expected);
      cp.staged = staged;
      await ctx.checkpoints.put(month, -1, cp);
    }
    throwIfAborted(ctx.signal);
    // Replacing with the same staged content again after a crash yields the same partition: idempotent.
    await replacePartition(this.ch, COLD_TABLE, STAGING_TABLE, ctx.workspaceId, month);
    const cold = await digest(this.ch, COLD_TABLE, WORKSPACE_MONTH, params);
    if (!sameDigest(cold, cp.staged)) throw mismatch(ctx, month, 'cold after swap', cold, 'staged month', cp.staged);
    return cold;
  }
}

function mismatch(ctx: OperationContext, month: number, left: string, a: RowDigest, right: string, b: RowDigest): VerificationFailedError {
  return new VerificationFailedError(
    `Archive of workspace ${ctx.workspaceId}, month ${month}: ${left} (${a.rows} rows, checksum ${a.checksum}) differs from ${right} (${b.rows} rows, checksum ${b.checksum}). No hot row was deleted; retry the transition to copy the month again.`,
    { workspaceId: ctx.workspaceId });
}
