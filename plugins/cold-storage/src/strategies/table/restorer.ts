import type { ClickHouse } from '@permafrost/backend-lib';
import { EMPTY_DIGEST } from '../../rows';
import { awaitObjectsGone, sampleKeys } from '../../s3-object-keys';
import type { S3Location } from '../../s3-location';
import { DEFAULT_TABLES, type ColdStorageTables } from '../../tables';
import { dropStaging, restoreMonthStaged, throwIfAborted } from '../kit';
import type { MonthRestored, OperationContext, Restorer } from '../types';
import { planRestore, restoreBatch, restoredMonths } from './batch-restore';
import { coldTablesOf } from './ddl';
import { awaitPartsGone, dropPartitions, PART_PREFIX, partitionPartsByMonth } from './partitions';

/**
 * Restores a month of both tables from the cold tables (see restoreMonthStaged), then drops the month's
 * cold partitions at once: a month is always in exactly one place, so an archive that follows an
 * interrupted restore never copies a month that is already hot again.
 */
export class TableRestorer implements Restorer {
  constructor(
    private readonly ch: ClickHouse,
    private readonly s3: S3Location,
    private readonly pageRows: number,
    private readonly tables: ColdStorageTables = DEFAULT_TABLES,
    private readonly batchRows?: number,
  ) {}

  async restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored> {
    let result = { digest: EMPTY_DIGEST, pages: 0 };
    for (const table of this.tables.all) {
      const moved = await restoreMonthStaged(this.ch, ctx, table, month, { from: coldTablesOf(table, this.tables).cold, params: {} }, this.pageRows);
      if (table.kind === 'events') result = moved;
    }
    const freedKeys = await this.free(ctx, month);
    return { month, ...result, freedKeys };
  }

  /** Batches of months (see batch-restore.ts); each batch's cold partitions are dropped once it is hot. */
  async restoreMonths(ctx: OperationContext, _months: readonly number[], onMonth: (month: MonthRestored) => void): Promise<void> {
    const plan = await planRestore(this.ch, ctx, this.tables, this.batchRows);
    for (const [index, batch] of plan.batches.entries()) {
      throwIfAborted(ctx.signal);
      const step = await restoreBatch(this.ch, ctx, plan, index, this.pageRows, this.tables);
      const freed = await this.freeMonths(ctx, batch);
      for (const line of restoredMonths(step, batch)) onMonth({ ...line, freedKeys: freed.get(line.month) ?? [] });
    }
  }

  /** Drops these months' cold partitions that are not dropped yet: one ALTER per table. */
  private async freeMonths(ctx: OperationContext, months: readonly number[]): Promise<Map<number, string[]>> {
    const keys = await this.objectKeys(ctx);
    const done = await ctx.steps.getMany<{ dropped: boolean }>(months.map((m) => `free:${m}`));
    const pending = months.filter((m) => !done.get(`free:${m}`)?.dropped);
    if (pending.length > 0) {
      throwIfAborted(ctx.signal);
      for (const table of this.tables.all) {
        const cold = coldTablesOf(table, this.tables).cold;
        const withParts = pending.filter((m) => (keys[m] ?? []).some((t) => t.table === cold && t.keys.length > 0));
        await dropPartitions(this.ch, cold, ctx.workspaceId, withParts);
      }
      await ctx.steps.putMany(pending.map((m) => [`free:${m}`, { dropped: true }] as const));
    }
    return new Map(months.map((m) => [m, (keys[m] ?? []).flatMap((t) => t.keys)]));
  }

  /**
   * Drops the month's cold partitions. Their object keys are recorded first (for every month of the
   * operation at once: one metadata query, not one per month), to prove them gone at the end.
   */
  private async free(ctx: OperationContext, month: number): Promise<string[]> {
    const key = `free:${month}`;
    if ((await ctx.steps.get<{ dropped: boolean }>(key))?.dropped) return (await this.objectKeys(ctx))[month]?.flatMap((t) => t.keys) ?? [];
    const keys = (await this.objectKeys(ctx))[month] ?? [];
    throwIfAborted(ctx.signal);
    // DROP PARTITION removes the parts and their S3 objects; a mutation would rewrite objects on S3.
    for (const { table, keys: tableKeys } of keys) {
      if (tableKeys.length > 0) await dropPartitions(this.ch, table, ctx.workspaceId, [month]);
    }
    await ctx.steps.put(key, { dropped: true });
    return keys.flatMap((t) => t.keys);
  }

  /**
   * Per month, the cold tables that hold parts of it and what is freed with them; recorded once per
   * operation. Parts (`part:<table>/<name>`), read from part metadata of this workspace's partitions; an
   * operation begun by an earlier version recorded S3 object keys (`free:keys`) and keeps them.
   */
  private async objectKeys(ctx: OperationContext): Promise<Record<number, Array<{ table: string; keys: string[] }>>> {
    const recorded = (await ctx.steps.get<Record<number, Array<{ table: string; keys: string[] }>>>('free:parts'))
      ?? (await ctx.steps.get<Record<number, Array<{ table: string; keys: string[] }>>>('free:keys'));
    if (recorded) return recorded;
    const byMonth: Record<number, Array<{ table: string; keys: string[] }>> = {};
    for (const table of this.tables.all) {
      const cold = coldTablesOf(table, this.tables).cold;
      for (const [month, parts] of await partitionPartsByMonth(this.ch, cold, ctx.workspaceId, [...ctx.months])) {
        (byMonth[month] ??= []).push({ table: cold, keys: parts.map((name) => `${PART_PREFIX}${cold}/${name}`) });
      }
    }
    await ctx.steps.put('free:parts', byMonth);
    return byMonth;
  }

  async finish(ctx: OperationContext, freedKeys: string[]): Promise<{ objectsLeft: number; objectsChecked: number }> {
    await dropStaging(this.ch, ctx, this.tables.all);
    // What an interrupted top-up archive may have left in the cold staging tables, for every month at once.
    for (const table of this.tables.all) await dropPartitions(this.ch, coldTablesOf(table, this.tables).staging, ctx.workspaceId, [...ctx.months]);
    // Every freed part is checked (part metadata: no S3 request); object keys of an operation begun by an
    // earlier version are sampled and asked of S3 as before.
    const parts = freedKeys.filter((k) => k.startsWith(PART_PREFIX));
    const objects = sampleKeys(freedKeys.filter((k) => !k.startsWith(PART_PREFIX)));
    const left = (await awaitPartsGone(this.ch, parts)) + (await awaitObjectsGone(this.ch, this.s3, objects));
    return { objectsLeft: left, objectsChecked: parts.length + objects.length };
  }
}
