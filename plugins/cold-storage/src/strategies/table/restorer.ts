import { USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../../errors';
import { ROW_KEY, sameDigest, STORED_COLUMNS, type RowDigest } from '../../rows';
import { awaitObjectsGone } from '../../s3-object-keys';
import type { S3Location } from '../../s3-location';
import { digest, pageBounds, pageFilter, throwIfAborted, WORKSPACE_MONTH, type PageBounds } from '../shared';
import type { FreedObjects, MonthRestored, OperationContext, Restorer } from '../types';
import { COLD_TABLE, STAGING_TABLE } from './ddl';
import { dropPartition, partitionObjectKeys } from './partitions';

interface MonthCheckpoint {
  pages: PageBounds[];
  verified?: RowDigest;
}

/**
 * Restores month by month, page by page, each page one INSERT … SELECT from the cold table into
 * user_events_v2 (rows never pass through Node; internal_events refills through its materialized view).
 * A page inserts only rows not already hot, so repeating a page after a crash cannot double a row.
 */
export class TableRestorer implements Restorer {
  constructor(
    private readonly ch: ClickHouse,
    private readonly s3: S3Location,
    private readonly pageRows: number,
  ) {}

  async restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored> {
    const params = { ws: ctx.workspaceId, month };
    let cp = await ctx.checkpoints.get<MonthCheckpoint>(month);
    if (cp?.verified) return { month, digest: cp.verified, pages: cp.pages.length };
    if (!cp) {
      const cold = await digest(this.ch, COLD_TABLE, WORKSPACE_MONTH, params);
      cp = { pages: await pageBounds(this.ch, COLD_TABLE, WORKSPACE_MONTH, params, cold.rows, this.pageRows) };
      await ctx.checkpoints.put(month, -1, cp);
    }
    for (const [index, bounds] of cp.pages.entries()) {
      if ((await ctx.checkpoints.get<{ done: boolean }>(month, index))?.done) continue;
      throwIfAborted(ctx.signal);
      const page = pageFilter(bounds);
      await this.ch.command(
        `INSERT INTO ${USER_EVENTS_TABLE} (${STORED_COLUMNS})
         SELECT ${STORED_COLUMNS} FROM ${COLD_TABLE}
         WHERE ${WORKSPACE_MONTH} AND ${page.sql}
           AND ${ROW_KEY} NOT IN (SELECT ${ROW_KEY} FROM ${USER_EVENTS_TABLE} WHERE ${WORKSPACE_MONTH} AND ${page.sql})`,
        { ...params, ...page.params });
      await ctx.checkpoints.put(month, index, { done: true });
      ctx.report({ month, rows: 0, bytes: 0, page: index + 1, pages: cp.pages.length });
    }
    const cold = await digest(this.ch, COLD_TABLE, WORKSPACE_MONTH, params);
    const hot = await digest(this.ch, USER_EVENTS_TABLE, `${WORKSPACE_MONTH} AND ${ROW_KEY} IN (SELECT ${ROW_KEY} FROM ${COLD_TABLE} WHERE ${WORKSPACE_MONTH})`, params);
    if (!sameDigest(cold, hot)) {
      throw new VerificationFailedError(
        `Restore of workspace ${ctx.workspaceId}, month ${month}: cold (${cold.rows} rows, checksum ${cold.checksum}) differs from what is hot again (${hot.rows} rows, checksum ${hot.checksum}). The cold copy was kept; retry the transition.`,
        { workspaceId: ctx.workspaceId });
    }
    await ctx.checkpoints.put(month, -1, { ...cp, verified: cold });
    return { month, digest: cold, pages: cp.pages.length };
  }

  async free(ctx: OperationContext, months: number[]): Promise<FreedObjects> {
    // The keys are checkpointed before the drop: a retry after a crash still knows what to check for.
    let keys = (await ctx.checkpoints.get<{ keys: string[] }>(0, -2))?.keys;
    if (!keys) {
      keys = await partitionObjectKeys(this.ch, COLD_TABLE, ctx.workspaceId, months);
      await ctx.checkpoints.put(0, -2, { keys });
    }
    for (const month of months) {
      throwIfAborted(ctx.signal);
      // DROP PARTITION removes the parts and their S3 objects; a mutation would rewrite objects on S3.
      await dropPartition(this.ch, COLD_TABLE, ctx.workspaceId, month);
      await dropPartition(this.ch, STAGING_TABLE, ctx.workspaceId, month);
    }
    const objectsLeft = await awaitObjectsGone(this.ch, this.s3, keys);
    return { partitions: months.length, objectsBefore: keys.length, objectsLeft };
  }
}
