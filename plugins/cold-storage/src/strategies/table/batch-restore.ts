import { createTableLike, type ClickHouse, type QueryParams } from '@permafrost/backend-lib';
import { VerificationFailedError } from '../../errors';
import { digestOf, digestSelect, EMPTY_DIGEST, MONTH_OF, sameDigest, type EventTable, type RowDigest } from '../../rows';
import type { ColdStorageTables } from '../../tables';
import { moveAll, pageBounds, pageFilter, stagingTable, throwIfAborted, WORKSPACE_MONTH } from '../kit';
import type { MonthRestored, OperationContext } from '../types';
import { partitionRows } from './partitions';

/**
 * A restore in batches of months rather than month by month: each batch of each table is copied from
 * cold into the operation's private staging table in pages (a page is several small months, or a
 * processing_time range of a large one: peak memory follows the page), verified per month with one
 * grouped digest against what the archives recorded, moved into the hot table with one
 * MOVE PARTITION (the staging table has the hot table's key: one partition), and only then dropped
 * from cold with one ALTER per table. A 24-month workspace used to cost ~20 statements per month.
 *
 * Crash safety, by identity: staging holds only the current batch. Before its digests are recorded a
 * retry truncates it and stages the batch again; after, whatever is still in staging has not moved
 * (a move is whole parts) and is moved; the batch's cold partitions are dropped only once it is hot,
 * so a month is never in neither place, and never hot twice.
 */

/** Rows of one table staged before the batch is verified and moved (staging is on local disk). */
export const RESTORE_BATCH_ROWS = 2_000_000;

interface RestorePlan {
  batches: number[][];
  /** Cold rows per month (keys YYYYMM), per table, from part metadata when the plan was made. */
  rows: Record<EventTable['kind'], Record<string, number>>;
}

interface BatchStep {
  staged?: Record<EventTable['kind'], Record<string, RowDigest>>;
  /** user_events_v2 pages per month (a page shared by small months counts for each). */
  pages?: Record<string, number>;
  moved?: boolean;
  freed?: boolean;
}

const PLAN_KEY = 'restore:plan';

export async function planRestore(ch: ClickHouse, ctx: OperationContext, tables: ColdStorageTables, batchRows = RESTORE_BATCH_ROWS): Promise<RestorePlan> {
  const recorded = await ctx.steps.get<RestorePlan>(PLAN_KEY);
  if (recorded) return recorded;
  const rows = {} as RestorePlan['rows'];
  for (const table of tables.all) {
    const counts = await partitionRows(ch, tables.coldOf(table).cold, ctx.workspaceId, ctx.months);
    rows[table.kind] = Object.fromEntries([...counts].map(([m, n]) => [String(m), n]));
  }
  const batches: number[][] = [];
  let batch: number[] = [];
  let staged = 0;
  for (const month of ctx.months) {
    const monthRows = Math.max(...tables.all.map((t) => rows[t.kind][month] ?? 0));
    if (batch.length > 0 && staged + monthRows > batchRows) {
      batches.push(batch);
      batch = [];
      staged = 0;
    }
    batch.push(month);
    staged += monthRows;
  }
  if (batch.length > 0) batches.push(batch);
  const plan = { batches, rows };
  await ctx.steps.put(PLAN_KEY, plan);
  return plan;
}

/** Stages, verifies and moves one batch of both tables; the caller frees its cold partitions after. */
export async function restoreBatch(ch: ClickHouse, ctx: OperationContext, plan: RestorePlan, index: number, pageRows: number, tables: ColdStorageTables): Promise<BatchStep> {
  const key = `restore:batch:${index}`;
  const months = plan.batches[index]!;
  let step = (await ctx.steps.get<BatchStep>(key)) ?? {};
  if (step.moved) return step;
  if (!step.staged) {
    const staged = {} as NonNullable<BatchStep['staged']>;
    const pages: Record<string, number> = {};
    for (const table of tables.all) {
      staged[table.kind] = await stageTable(ch, ctx, table, tables.coldOf(table).cold, months, plan.rows[table.kind], pageRows, (month) => {
        if (table.kind === 'events') pages[month] = (pages[month] ?? 0) + 1;
      });
    }
    step = { staged, pages };
    await ctx.steps.put(key, step);
  }
  throwIfAborted(ctx.signal);
  for (const table of tables.all) await moveAll(ch, stagingTable(ctx, table), table.hot);
  step = { ...step, moved: true };
  await ctx.steps.put(key, step);
  return step;
}

/** The batch's report lines (user_events_v2 digests), in month order. */
export function restoredMonths(step: BatchStep, months: readonly number[]): Omit<MonthRestored, 'freedKeys'>[] {
  return months.map((month) => ({ month, digest: step.staged?.events[month] ?? EMPTY_DIGEST, pages: step.pages?.[month] ?? 0 }));
}

async function stageTable(
  ch: ClickHouse, ctx: OperationContext, table: EventTable, cold: string, months: readonly number[], rows: Record<string, number>, pageRows: number,
  onPage: (month: number) => void,
): Promise<Record<string, RowDigest>> {
  const staging = stagingTable(ctx, table);
  const present = months.filter((m) => (rows[m] ?? 0) > 0);
  if (present.length === 0) return {};
  await ch.command(createTableLike(staging, table.hot, ch.cluster));
  await ch.command(`TRUNCATE TABLE ${staging}`);
  const pages = await pagesOf(ch, cold, ctx.workspaceId, present, rows, pageRows);
  for (const [index, page] of pages.entries()) {
    throwIfAborted(ctx.signal);
    await ch.command(
      `INSERT INTO ${staging} (${table.columns}) SELECT ${table.columns} FROM ${cold}
       WHERE workspace_id = {ws:String} AND ${MONTH_OF} IN {months:Array(UInt32)} AND ${page.sql}`,
      { ws: ctx.workspaceId, months: page.months, ...page.params });
    page.months.forEach(onPage);
    if (table.kind === 'events') ctx.report({ month: page.months[0]!, rows: 0, bytes: 0, page: index + 1, pages: pages.length });
  }
  const staged = await groupedDigests(ch, table, staging, ctx.workspaceId, present);
  // Against what the archive recorded for each month; a month that changed since (late events merged in
  // by a later archive, or no record) is compared with cold read again, all such months in one read.
  const unconfirmed: number[] = [];
  for (const month of present) {
    const recorded = await ctx.archivedDigest(table, month);
    if (!recorded || !sameDigest(staged.get(month) ?? EMPTY_DIGEST, recorded)) unconfirmed.push(month);
  }
  if (unconfirmed.length > 0) {
    const coldDigests = await groupedDigests(ch, table, cold, ctx.workspaceId, unconfirmed);
    for (const month of unconfirmed) {
      const a = staged.get(month) ?? EMPTY_DIGEST;
      const b = coldDigests.get(month) ?? EMPTY_DIGEST;
      if (!sameDigest(a, b)) {
        throw new VerificationFailedError(
          `Restore of workspace ${ctx.workspaceId}, ${table.hot} month ${month}: the staged copy (${a.rows} rows, checksum ${a.checksum}) differs from cold (${b.rows} rows, checksum ${b.checksum}). Nothing was moved hot and the cold copy was kept; retry the transition.`,
          { workspaceId: ctx.workspaceId });
      }
    }
  }
  return Object.fromEntries([...staged].map(([m, d]) => [String(m), d]));
}

interface Page {
  months: number[];
  sql: string;
  params: QueryParams;
}

/** Small months share a page up to `pageRows`; a month larger than that is split by processing_time. */
async function pagesOf(ch: ClickHouse, cold: string, workspaceId: string, months: readonly number[], rows: Record<string, number>, pageRows: number): Promise<Page[]> {
  const pages: Page[] = [];
  let shared: number[] = [];
  let sharedRows = 0;
  const flush = () => {
    if (shared.length > 0) pages.push({ months: shared, sql: '1', params: {} });
    shared = [];
    sharedRows = 0;
  };
  for (const month of months) {
    const n = rows[month] ?? 0;
    if (n > pageRows) {
      flush();
      for (const bounds of await pageBounds(ch, cold, WORKSPACE_MONTH, { ws: workspaceId, month }, n, pageRows)) {
        const filter = pageFilter(bounds);
        pages.push({ months: [month], sql: filter.sql, params: filter.params });
      }
      continue;
    }
    if (sharedRows + n > pageRows) flush();
    shared.push(month);
    sharedRows += n;
  }
  flush();
  return pages;
}

async function groupedDigests(ch: ClickHouse, table: EventTable, from: string, workspaceId: string, months: readonly number[]): Promise<Map<number, RowDigest>> {
  const result = await ch.rows<{ month: number; rows: string; checksum: string }>(
    `SELECT ${MONTH_OF} AS month, ${digestSelect(table)} FROM ${from}
     WHERE workspace_id = {ws:String} AND ${MONTH_OF} IN {months:Array(UInt32)} GROUP BY month`,
    { ws: workspaceId, months });
  return new Map(result.map((r) => [Number(r.month), digestOf(r)]));
}
