import type { ClickHouseSettings } from '@clickhouse/client';
import { createTableLike, type ClickHouse, type QueryParams } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../../errors';
import { EMPTY_DIGEST, sameDigest, type EventTable, type RowDigest } from '../../rows';
import type { OperationContext } from '../types';
import { pageBounds, pageFilter } from './pages';
import { assertPartitionId, digest, throwIfAborted, WORKSPACE_MONTH } from './sql';

/** Where a month's cold rows of one table are read from: a table, or an s3() call with its parameters. */
export interface ColdMonthSource {
  from: string;
  params: QueryParams;
  /** Settings every read of the source needs (e.g. an s3() glob that may match no file). */
  settings?: ClickHouseSettings;
}

interface RestoreStep {
  staged?: RowDigest;
  pages?: number;
  moved?: boolean;
}

/** One staging table per operation and hot table, shaped exactly like the hot table (`AS`). */
export function stagingTable(ctx: Pick<OperationContext, 'operationId'>, table: EventTable): string {
  const hex = ctx.operationId.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`unexpected operation id ${ctx.operationId}`);
  return `permafrost_restore_${hex}_${table.kind}`;
}

/**
 * Brings one month of one table back hot, never matching rows by content:
 *  1. the month's cold rows are copied into a private staging table shaped like the hot table, in pages
 *     of processing_time ranges (peak memory follows the page);
 *  2. the staging copy is verified against what the archive recorded for the month (or, when the
 *     month changed since, against cold read again);
 *  3. its partitions are moved into the hot table with ALTER … MOVE PARTITION: the parts change table
 *     whole, so the month is hot exactly once, and no materialized view fires (nothing derived from
 *     user_events_v2 counts a restored event twice).
 * A crash before (2) is recorded restages the month from scratch (staging is ours alone); after it,
 * whatever is left in staging is what has not moved yet.
 */
export async function restoreMonthStaged(
  ch: ClickHouse, ctx: OperationContext, table: EventTable, month: number, source: ColdMonthSource, pageRows: number,
): Promise<{ digest: RowDigest; pages: number }> {
  const key = `restore:${table.kind}:${month}`;
  const staging = stagingTable(ctx, table);
  const params = { ...source.params, ws: ctx.workspaceId, month };
  let step = (await ctx.steps.get<RestoreStep>(key)) ?? {};
  if (step.moved) return { digest: step.staged ?? EMPTY_DIGEST, pages: step.pages ?? 0 };
  if (!step.staged) {
    const recorded = await ctx.archivedDigest(table, month);
    const readCold = () => digest(ch, table, source.from, WORKSPACE_MONTH, params, source.settings);
    let cold = recorded ? undefined : await readCold();
    let rows = (recorded ?? cold!).rows;
    if (rows === 0 && !cold) rows = (cold = await readCold()).rows;
    if (rows === 0) {
      await ctx.steps.put(key, { staged: EMPTY_DIGEST, pages: 0, moved: true });
      return { digest: EMPTY_DIGEST, pages: 0 };
    }
    await ch.command(createTableLike(staging, table.hot, ch.cluster));
    await ch.command(`TRUNCATE TABLE ${staging}`);
    const pages = await pageBounds(ch, source.from, WORKSPACE_MONTH, params, rows, pageRows, source.settings);
    for (const [index, bounds] of pages.entries()) {
      throwIfAborted(ctx.signal);
      const page = pageFilter(bounds);
      await ch.command(
        `INSERT INTO ${staging} (${table.columns}) SELECT ${table.columns} FROM ${source.from} WHERE ${WORKSPACE_MONTH} AND ${page.sql}`,
        { ...params, ...page.params }, source.settings);
      if (table.kind === 'events') ctx.report({ month, rows: 0, bytes: 0, page: index + 1, pages: pages.length });
    }
    const staged = await digest(ch, table, staging, '1', {});
    if (!recorded || !sameDigest(staged, recorded)) {
      // The month is not what the archive recorded (rows added to cold since): compare with cold itself.
      cold ??= await readCold();
      if (!sameDigest(staged, cold)) {
        throw new VerificationFailedError(
          `Restore of workspace ${ctx.workspaceId}, ${table.hot} month ${month}: the staged copy (${staged.rows} rows, checksum ${staged.checksum}) differs from cold (${cold.rows} rows, checksum ${cold.checksum}). Nothing was moved hot and the cold copy was kept; retry the transition.`,
          { workspaceId: ctx.workspaceId });
      }
    }
    step = { staged, pages: pages.length };
    await ctx.steps.put(key, step);
  }
  throwIfAborted(ctx.signal);
  await moveAll(ch, staging, table.hot);
  await ctx.steps.put(key, { ...step, moved: true });
  return { digest: step.staged!, pages: step.pages ?? 0 };
}

/** Moves every partition left in staging into the hot table; staging ends empty. */
export async function moveAll(ch: ClickHouse, staging: string, hot: string): Promise<void> {
  const exists = await ch.one<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}`, { t: staging });
  if (Number(exists.n) === 0) return;
  const partitions = await ch.rows<{ id: string }>(
    `SELECT DISTINCT partition_id AS id FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active`, { t: staging });
  for (const { id } of partitions) {
    await ch.command(`ALTER TABLE ${staging} MOVE PARTITION ID '${assertPartitionId(id)}' TO TABLE ${hot}`);
  }
  const left = await ch.one<{ n: string }>(`SELECT count() AS n FROM ${staging}`);
  if (Number(left.n) !== 0) throw new Error(`${left.n} rows stayed in ${staging} after moving its partitions to ${hot}; retry the transition`);
}

/** Drops an operation's staging tables once every month has moved. */
export async function dropStaging(ch: ClickHouse, ctx: Pick<OperationContext, 'operationId'>, tables: readonly EventTable[]): Promise<void> {
  for (const table of tables) await ch.command(`DROP TABLE IF EXISTS ${stagingTable(ctx, table)}${ch.cluster ? ` ON CLUSTER ${ch.cluster.name}` : ''} SYNC`);
}
