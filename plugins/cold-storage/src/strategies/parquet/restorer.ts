import { USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../../errors';
import { ROW_KEY, sameDigest, STORED_COLUMNS, type RowDigest } from '../../rows';
import { digest, pageBounds, pageFilter, throwIfAborted, WORKSPACE_MONTH, type PageBounds } from '../shared';
import type { FreedObjects, MonthRestored, OperationContext, Restorer } from '../types';
import type { ParquetObjects } from './objects';

interface MonthCheckpoint {
  pages: PageBounds[];
  verified?: RowDigest;
}

/** Reads a month's Parquet files back with `s3(…)`, page by page, inserting only rows not already hot. */
export class ParquetRestorer implements Restorer {
  constructor(
    private readonly ch: ClickHouse,
    private readonly objects: ParquetObjects,
    private readonly pageRows: number,
  ) {}

  async restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored> {
    const source = this.objects.tableFunction('monthGlob');
    const params = { ws: ctx.workspaceId, month, monthGlob: this.objects.monthGlob(ctx.workspaceId, month), ...this.objects.credentials() };
    let cp = await ctx.checkpoints.get<MonthCheckpoint>(month);
    if (cp?.verified) return { month, digest: cp.verified, pages: cp.pages.length };
    if (!cp) {
      const cold = await digest(this.ch, source, WORKSPACE_MONTH, params);
      cp = { pages: await pageBounds(this.ch, source, WORKSPACE_MONTH, params, cold.rows, this.pageRows) };
      await ctx.checkpoints.put(month, -1, cp);
    }
    for (const [index, bounds] of cp.pages.entries()) {
      if ((await ctx.checkpoints.get<{ done: boolean }>(month, index))?.done) continue;
      throwIfAborted(ctx.signal);
      const page = pageFilter(bounds);
      await this.ch.command(
        `INSERT INTO ${USER_EVENTS_TABLE} (${STORED_COLUMNS})
         SELECT ${STORED_COLUMNS} FROM ${source}
         WHERE ${WORKSPACE_MONTH} AND ${page.sql}
           AND ${ROW_KEY} NOT IN (SELECT ${ROW_KEY} FROM ${USER_EVENTS_TABLE} WHERE ${WORKSPACE_MONTH} AND ${page.sql})`,
        { ...params, ...page.params });
      await ctx.checkpoints.put(month, index, { done: true });
      ctx.report({ month, rows: 0, bytes: 0, page: index + 1, pages: cp.pages.length });
    }
    const cold = await digest(this.ch, source, WORKSPACE_MONTH, params);
    const hot = await digest(this.ch, USER_EVENTS_TABLE, `${WORKSPACE_MONTH} AND ${ROW_KEY} IN (SELECT ${ROW_KEY} FROM ${source} WHERE ${WORKSPACE_MONTH})`, params);
    if (!sameDigest(cold, hot)) {
      throw new VerificationFailedError(
        `Parquet restore of workspace ${ctx.workspaceId}, month ${month}: files (${cold.rows} rows, checksum ${cold.checksum}) differ from what is hot again (${hot.rows} rows, checksum ${hot.checksum}). The files were kept; retry the transition.`,
        { workspaceId: ctx.workspaceId });
    }
    await ctx.checkpoints.put(month, -1, { ...cp, verified: cold });
    return { month, digest: cold, pages: cp.pages.length };
  }

  async free(ctx: OperationContext, months: number[]): Promise<FreedObjects> {
    let keys = (await ctx.checkpoints.get<{ keys: string[] }>(0, -2))?.keys;
    if (!keys) {
      keys = (await Promise.all(months.map((m) => this.objects.list(this.ch, this.objects.monthGlob(ctx.workspaceId, m))))).flat();
      await ctx.checkpoints.put(0, -2, { keys });
    }
    throwIfAborted(ctx.signal);
    await this.objects.delete(this.ch, keys);
    const left = await this.objects.list(this.ch, this.objects.workspaceGlob(ctx.workspaceId));
    const objectsLeft = left.filter((k) => keys.includes(k)).length;
    return { partitions: months.length, objectsBefore: keys.length, objectsLeft };
  }
}
