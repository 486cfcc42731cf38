import type { ClickHouse } from '@permafrost/backend-lib';
import type { RowDigest } from '../../rows';
import { awaitObjectsGone } from '../../s3-object-keys';
import type { S3Location } from '../../s3-location';
import { restoreMonthPaged } from '../paged-restore';
import { throwIfAborted } from '../shared';
import type { FreedObjects, MonthRestored, OperationContext, Restorer } from '../types';
import { COLD_TABLE, STAGING_TABLE } from './ddl';
import { dropPartitions, partitionObjectKeys } from './partitions';

/** Restores from the cold table (see restoreMonthPaged), then drops its partitions. */
export class TableRestorer implements Restorer {
  constructor(
    private readonly ch: ClickHouse,
    private readonly s3: S3Location,
    private readonly pageRows: number,
  ) {}

  async restoreMonth(ctx: OperationContext, month: number): Promise<MonthRestored> {
    // The table archiver's month checkpoint holds the digest of the whole cold month after its copy.
    const archived = await ctx.archivedMonth<{ verified?: RowDigest }>(month);
    return restoreMonthPaged(this.ch, ctx, month, COLD_TABLE, {}, this.pageRows, archived?.verified);
  }

  async free(ctx: OperationContext, months: number[]): Promise<FreedObjects> {
    // The keys are checkpointed before the drop: a retry after a crash still knows what to check for.
    let keys = (await ctx.checkpoints.get<{ keys: string[] }>(0, -2))?.keys;
    if (!keys) {
      keys = await partitionObjectKeys(this.ch, COLD_TABLE, ctx.workspaceId, months);
      await ctx.checkpoints.put(0, -2, { keys });
    }
    throwIfAborted(ctx.signal);
    // DROP PARTITION removes the parts and their S3 objects; a mutation would rewrite objects on S3.
    await dropPartitions(this.ch, COLD_TABLE, ctx.workspaceId, months);
    await dropPartitions(this.ch, STAGING_TABLE, ctx.workspaceId, months);
    const objectsLeft = await awaitObjectsGone(this.ch, this.s3, keys);
    return { partitions: months.length, objectsBefore: keys.length, objectsLeft };
  }
}
