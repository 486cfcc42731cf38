import type { ClickHouse } from '@permafrost/backend-lib';
import { restoreMonthPaged } from '../paged-restore';
import { throwIfAborted } from '../shared';
import type { FreedObjects, MonthRestored, OperationContext, Restorer } from '../types';
import type { ParquetObjects } from './objects';

/** Reads a month's Parquet files back with `s3(…)` (see restoreMonthPaged), then deletes the objects. */
export class ParquetRestorer implements Restorer {
  constructor(
    private readonly ch: ClickHouse,
    private readonly objects: ParquetObjects,
    private readonly pageRows: number,
  ) {}

  restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored> {
    const params = { monthGlob: this.objects.monthGlob(ctx.workspaceId, month), ...this.objects.credentials() };
    return restoreMonthPaged(this.ch, ctx, month, this.objects.tableFunction('monthGlob'), params, this.pageRows);
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
