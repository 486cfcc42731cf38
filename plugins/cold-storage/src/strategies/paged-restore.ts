import { USER_EVENTS_TABLE, type ClickHouse, type QueryParams } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../errors';
import { digestMinus, ROW_KEY, sameDigest, STORED_COLUMNS, type RowDigest } from '../rows';
import { digest, pageBounds, pageFilter, throwIfAborted, WORKSPACE_MONTH, type PageBounds } from './shared';
import type { MonthRestored, OperationContext } from './types';

interface MonthCheckpoint {
  pages: PageBounds[];
  /** The month's cold rows, read once: the target of the verification. */
  cold: RowDigest;
  /** What the month had hot before the first page (usually nothing). */
  baseline: RowDigest;
  verified?: RowDigest;
}

/**
 * One month back into user_events_v2, for any strategy whose cold rows `from` can read: pages of about
 * `pageRows` rows by processing_time ranges, each one INSERT … SELECT that skips rows already hot (so a
 * page repeated after a crash doubles nothing); internal_events refills through its materialized view.
 * Verified when what became hot equals what is cold (count and fingerprint sum); the cold side is read
 * once for that, the hot side is local.
 */
export async function restoreMonthPaged(ch: ClickHouse, ctx: OperationContext, month: number, from: string, sourceParams: QueryParams, pageRows: number, archived?: RowDigest): Promise<MonthRestored> {
  const params = { ...sourceParams, ws: ctx.workspaceId, month };
  let cp = await ctx.checkpoints.get<MonthCheckpoint>(month);
  if (cp?.verified) return { month, digest: cp.verified, pages: cp.pages.length };
  if (!cp) {
    // The digest the archive verified, when the strategy can vouch that it covers the whole cold month,
    // saves reading the month from S3 once more; if the month changed since, the check below catches it.
    const cold = archived ?? (await digest(ch, from, WORKSPACE_MONTH, params));
    const baseline = await digest(ch, USER_EVENTS_TABLE, WORKSPACE_MONTH, params);
    cp = { pages: await pageBounds(ch, from, WORKSPACE_MONTH, params, cold.rows, pageRows), cold, baseline };
    await ctx.checkpoints.put(month, -1, cp);
  }
  for (const [index, bounds] of cp.pages.entries()) {
    if ((await ctx.checkpoints.get<{ done: boolean }>(month, index))?.done) continue;
    throwIfAborted(ctx.signal);
    const page = pageFilter(bounds);
    await ch.command(
      `INSERT INTO ${USER_EVENTS_TABLE} (${STORED_COLUMNS})
       SELECT ${STORED_COLUMNS} FROM ${from}
       WHERE ${WORKSPACE_MONTH} AND ${page.sql}
         AND ${ROW_KEY} NOT IN (SELECT ${ROW_KEY} FROM ${USER_EVENTS_TABLE} WHERE ${WORKSPACE_MONTH} AND ${page.sql})`,
      { ...params, ...page.params });
    await ctx.checkpoints.put(month, index, { done: true });
    ctx.report({ month, rows: 0, bytes: 0, page: index + 1, pages: cp.pages.length });
  }
  let verified = cp.cold;
  const added = digestMinus(await digest(ch, USER_EVENTS_TABLE, WORKSPACE_MONTH, params), cp.baseline);
  if (!sameDigest(added, cp.cold)) {
    // Something else wrote hot rows of this month meanwhile (a backfill), or the month is not what the
    // archive recorded: read the cold month now and compare exactly.
    verified = await digest(ch, from, WORKSPACE_MONTH, params);
    const twins = await digest(ch, USER_EVENTS_TABLE, `${WORKSPACE_MONTH} AND ${ROW_KEY} IN (SELECT ${ROW_KEY} FROM ${from} WHERE ${WORKSPACE_MONTH})`, params);
    if (!sameDigest(twins, verified)) {
      throw new VerificationFailedError(
        `Restore of workspace ${ctx.workspaceId}, month ${month}: cold (${verified.rows} rows, checksum ${verified.checksum}) differs from what is hot again (${twins.rows} rows, checksum ${twins.checksum}). The cold copy was kept; retry the transition.`,
        { workspaceId: ctx.workspaceId });
    }
  }
  await ctx.checkpoints.put(month, -1, { ...cp, verified });
  return { month, digest: verified, pages: cp.pages.length };
}
