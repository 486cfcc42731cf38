import type { ClickHouse } from '@permafrost/backend-lib';
import { EMPTY_DIGEST, EVENT_TABLES } from '../../rows';
import { awaitObjectsGone } from '../../s3-object-keys';
import type { S3Location } from '../../s3-location';
import { dropStaging, restoreMonthStaged, throwIfAborted } from '../kit';
import type { MonthRestored, OperationContext, Restorer } from '../types';
import { coldTablesOf } from './ddl';
import { dropPartitions, partitionObjectKeys } from './partitions';

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
  ) {}

  async restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored> {
    let result = { digest: EMPTY_DIGEST, pages: 0 };
    for (const table of EVENT_TABLES) {
      const moved = await restoreMonthStaged(this.ch, ctx, table, month, { from: coldTablesOf(table).cold, params: {} }, this.pageRows);
      if (table.kind === 'events') result = moved;
    }
    const freedKeys = await this.free(ctx, month);
    return { month, ...result, freedKeys };
  }

  /** Drops the month's cold partitions; their object keys are recorded first, to prove them gone later. */
  private async free(ctx: OperationContext, month: number): Promise<string[]> {
    const key = `free:${month}`;
    let step = await ctx.steps.get<{ keys: string[]; dropped?: boolean }>(key);
    if (step?.dropped) return step.keys;
    if (!step) {
      const keys: string[] = [];
      for (const table of EVENT_TABLES) keys.push(...(await partitionObjectKeys(this.ch, coldTablesOf(table).cold, ctx.workspaceId, [month])));
      step = { keys };
      await ctx.steps.put(key, step);
    }
    throwIfAborted(ctx.signal);
    // DROP PARTITION removes the parts and their S3 objects; a mutation would rewrite objects on S3.
    for (const table of EVENT_TABLES) {
      const { cold, staging } = coldTablesOf(table);
      await dropPartitions(this.ch, cold, ctx.workspaceId, [month]);
      await dropPartitions(this.ch, staging, ctx.workspaceId, [month]);
    }
    await ctx.steps.put(key, { ...step, dropped: true });
    return step.keys;
  }

  async finish(ctx: OperationContext, freedKeys: string[]): Promise<{ objectsLeft: number }> {
    await dropStaging(this.ch, ctx, EVENT_TABLES);
    return { objectsLeft: await awaitObjectsGone(this.ch, this.s3, freedKeys) };
  }
}
