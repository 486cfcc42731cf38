import type { ClickHouse } from '@permafrost/backend-lib';
import { EMPTY_DIGEST } from '../../rows';
import { DEFAULT_TABLES, type ColdStorageTables } from '../../tables';
import { dropStaging, restoreMonthStaged, throwIfAborted } from '../kit';
import type { MonthRestored, OperationContext, Restorer } from '../types';
import { ZERO_FILES_OK, type ParquetObjects } from './objects';

/** Reads a month's Parquet files back with `s3(…)` (see restoreMonthStaged), then deletes the month's objects. */
export class ParquetRestorer implements Restorer {
  constructor(
    private readonly ch: ClickHouse,
    private readonly objects: ParquetObjects,
    private readonly pageRows: number,
    private readonly tables: ColdStorageTables = DEFAULT_TABLES,
  ) {}

  async restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored> {
    let result = { digest: EMPTY_DIGEST, pages: 0 };
    for (const table of this.tables.all) {
      const source = {
        from: this.objects.tableFunction(table, 'monthGlob'),
        params: { monthGlob: this.objects.monthGlob(table, ctx.workspaceId, month), ...this.objects.credentials() },
        settings: ZERO_FILES_OK,
      };
      const moved = await restoreMonthStaged(this.ch, ctx, table, month, source, this.pageRows);
      if (table.kind === 'events') result = moved;
    }
    return { month, ...result, freedKeys: await this.free(ctx, month) };
  }

  private async free(ctx: OperationContext, month: number): Promise<string[]> {
    const key = `free:${month}`;
    let step = await ctx.steps.get<{ keys: string[]; deleted?: boolean }>(key);
    if (step?.deleted) return step.keys;
    if (!step) {
      const keys: string[] = [];
      for (const table of this.tables.all) keys.push(...(await this.objects.list(this.ch, this.objects.monthGlob(table, ctx.workspaceId, month))));
      step = { keys };
      await ctx.steps.put(key, step);
    }
    throwIfAborted(ctx.signal);
    await this.objects.delete(this.ch, step.keys);
    await ctx.steps.put(key, { ...step, deleted: true });
    return step.keys;
  }

  async finish(ctx: OperationContext, freedKeys: string[]): Promise<{ objectsLeft: number; objectsChecked: number }> {
    await dropStaging(this.ch, ctx, this.tables.all);
    const left = new Set<string>();
    for (const table of this.tables.all) for (const k of await this.objects.list(this.ch, this.objects.workspaceGlob(table, ctx.workspaceId))) left.add(k);
    // One listing of the workspace's own prefix answers for every freed file.
    return { objectsLeft: freedKeys.filter((k) => left.has(k)).length, objectsChecked: freedKeys.length };
  }
}
