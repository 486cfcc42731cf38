import type { ClickHouse } from '@permafrost/backend-lib';
import { MONTH_OF, type EventTable } from './rows';
import { DEFAULT_TABLES, type ColdStorageTables } from './tables';
import type { HotSnapshot, PartitionStats } from './strategies/types';

/** Async deletes, in the style of deleteUsers: submitted in milliseconds, applied in the background. */
const ASYNC_DELETE = { mutations_sync: '0', lightweight_deletes_sync: '0' } as const;

/**
 * The archive's view of the hot side. An archive begins by reading each hot table's highest committed
 * block number: the workspace's rows at or under it are the archive's rows, whatever their timestamps
 * (a producer's future processing_time cannot slip past the bound), and rows committed later (late
 * events, re-deliveries) stay hot for a later archive.
 */
export class HotEvents {
  constructor(private readonly ch: ClickHouse, private readonly tables: ColdStorageTables = DEFAULT_TABLES) {}

  /**
   * Highest block number among each table's active parts. A plain MergeTree numbers blocks when it
   * commits them, under the same lock that makes them visible, so every later insert gets a larger one.
   */
  async snapshot(): Promise<HotSnapshot> {
    const rows = await this.ch.rows<{ table: string; bound: string }>(
      `SELECT table, toString(max(max_block_number)) AS bound FROM system.parts
       WHERE database = currentDatabase() AND table IN {tables:Array(String)} AND active GROUP BY table`,
      { tables: this.tables.all.map((t) => t.hot) });
    const bound = (t: EventTable) => rows.find((r) => r.table === t.hot)?.bound ?? '0';
    return { events: bound(this.tables.events), internal: bound(this.tables.internal) };
  }

  /** Months (with counts) of the workspace's hot rows, in both tables, optionally under a snapshot. */
  async months(workspaceId: string, snapshot?: HotSnapshot): Promise<PartitionStats[]> {
    const byMonth = new Map<number, PartitionStats>();
    for (const table of this.tables.all) {
      const bound = snapshot ? snapshot[table.kind] : undefined;
      const rows = await this.ch.rows<{ month: number; rows: string; bytes: string }>(
        `SELECT ${MONTH_OF} AS month, count() AS rows, sum(${table.kind === 'events' ? 'length(message_raw)' : 'length(properties)'}) AS bytes
         FROM ${table.hot} WHERE workspace_id = {ws:String} ${bound ? 'AND _block_number <= {bound:UInt64}' : ''}
         GROUP BY month ORDER BY month`,
        { ws: workspaceId, ...(bound ? { bound } : {}) });
      for (const r of rows) {
        const m = byMonth.get(Number(r.month)) ?? { month: Number(r.month), rows: 0, bytes: 0 };
        if (table.kind === 'events') m.rows += Number(r.rows);
        m.bytes += Number(r.bytes);
        byMonth.set(m.month, m);
      }
    }
    return [...byMonth.values()].sort((a, b) => a.month - b.month);
  }

  /** Hot events of the workspace committed after the snapshot (they stay hot for a later archive). */
  async countAfter(workspaceId: string, snapshot: HotSnapshot): Promise<number> {
    const row = await this.ch.one<{ n: string }>(
      `SELECT count() AS n FROM ${this.tables.events.hot} WHERE workspace_id = {ws:String} AND _block_number > {bound:UInt64}`,
      { ws: workspaceId, bound: snapshot.events });
    return Number(row.n);
  }

  /**
   * Deletes exactly the archived rows: the workspace's rows under the snapshot's bounds. No subquery and
   * no content comparison, so a legitimate identical row committed later is never taken for a copy, and
   * submitting the same delete again (a retry) removes nothing more.
   */
  async deleteArchived(workspaceId: string, snapshot: HotSnapshot): Promise<void> {
    for (const table of this.tables.all) {
      await this.ch.command(
        `DELETE FROM ${table.hot} WHERE workspace_id = {ws:String} AND _block_number <= {bound:UInt64}`,
        { ws: workspaceId, bound: snapshot[table.kind] }, ASYNC_DELETE);
    }
  }

  /** Waits for this workspace's pending deletes (reads of hot counts mislead until they are applied). */
  async waitForDeletes(workspaceId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.ch.one<{ pending: string; failure: string }>(
        `SELECT countIf(NOT is_done) AS pending, anyIf(latest_fail_reason, latest_fail_reason != '') AS failure FROM system.mutations
         WHERE database = currentDatabase() AND table IN {tables:Array(String)} AND NOT is_done AND position(command, {ws:String}) > 0`,
        { tables: this.tables.all.map((t) => t.hot), ws: workspaceId });
      if (Number(row.pending) === 0) return;
      if (row.failure) throw new Error(`a delete of workspace ${workspaceId}'s archived rows failed in ClickHouse: ${row.failure}`);
      if (Date.now() > deadline) throw new Error(`deletes of workspace ${workspaceId}'s archived rows still run after ${timeoutMs} ms; retry later`);
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
