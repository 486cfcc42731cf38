import type { ClickHouse } from '@permafrost/backend-lib';
import { digestOf, digestSelect, MONTH_OF, type EventTable, type RowDigest } from './rows';
import { DEFAULT_TABLES, type ColdStorageTables } from './tables';
import type { HotDigests, HotSnapshot, PartitionStats } from './strategies/types';
import { allSettledOrThrow, rowsPerWorkspace } from './strategies/kit';

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
    const cluster = this.ch.cluster?.name;
    const rows = await this.ch.rows<{ table: string; bound: string }>(
      `SELECT table, toString(max(max_block_number)) AS bound FROM ${cluster ? 'clusterAllReplicas({cluster:String}, system.parts)' : 'system.parts'}
       WHERE database = currentDatabase() AND table IN {tables:Array(String)} AND active GROUP BY table`,
      { tables: this.tables.all.map((t) => t.hot), ...(cluster ? { cluster } : {}) });
    const bound = (t: EventTable) => rows.find((r) => r.table === t.hot)?.bound ?? '0';
    if (cluster) await this.replicaBarrier(cluster);
    return { events: bound(this.tables.events), internal: bound(this.tables.internal) };
  }

  /**
   * ReplicatedMergeTree allocates a block number (in Keeper, in order) BEFORE it writes and commits the
   * part, so when the bound is read an insert may hold a smaller number without being visible yet, and
   * a replica may not have fetched every committed part. Numbers allocated after the bound was read are
   * all larger than it; so once every insert that was running then has finished, and this replica has
   * fetched what the others committed (SYNC REPLICA), the rows under the bound are a fixed set here too.
   */
  private async replicaBarrier(cluster: string, timeoutMs = 120_000): Promise<void> {
    const tables = this.tables.all.map((t) => t.hot);
    const running = async () => (await this.ch.rows<{ id: string }>(
      `SELECT query_id AS id FROM clusterAllReplicas({cluster:String}, system.processes)
       WHERE query_kind = 'Insert' AND arrayExists(t -> positionCaseInsensitive(query, t) > 0, {tables:Array(String)})`,
      { cluster, tables })).map((r) => r.id);
    const before = new Set(await running());
    const deadline = Date.now() + timeoutMs;
    while (before.size > 0) {
      const still = (await running()).filter((id) => before.has(id));
      if (still.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${still.length} inserts into the hot tables that were running when the archive began still run after ${timeoutMs} ms; nothing was copied or deleted, retry later`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const table of tables) await this.ch.command(`SYSTEM SYNC REPLICA ${table}`);
  }

  /** Months of the workspace's hot rows, with user_events_v2's count and both tables' payload bytes (a plan's view). */
  async months(workspaceId: string): Promise<PartitionStats[]> {
    const byMonth = new Map<number, PartitionStats>();
    const perTable = await Promise.all(this.tables.all.map(async (table) => {
      const bytes = `sum(${table.kind === 'events' ? 'length(message_raw)' : 'length(properties)'})`;
      const rows = await this.ch.rows<{ month: number; rows: string; bytes: string }>(
        `SELECT ${MONTH_OF} AS month, count() AS rows, ${bytes} AS bytes
         FROM ${table.hot} WHERE workspace_id = {ws:String} GROUP BY month ORDER BY month`,
        { ws: workspaceId });
      return { table, rows };
    }));
    for (const { table, rows } of perTable) {
      for (const r of rows) {
        const m = byMonth.get(Number(r.month)) ?? { month: Number(r.month), rows: 0, bytes: 0 };
        if (table.kind === 'events') m.rows += Number(r.rows);
        m.bytes += Number(r.bytes);
        byMonth.set(m.month, m);
      }
    }
    return [...byMonth.values()].sort((a, b) => a.month - b.month);
  }

  /**
   * Per table and month, count and fingerprint sum of the workspace's rows under the snapshot: one
   * grouped read per table, side by side. An archive's months are the keys; its strategy compares its
   * cold copy against the digests (the rows under the bound are fixed, so a later read gives the same).
   */
  async monthDigests(workspaceId: string, snapshot: HotSnapshot): Promise<HotDigests> {
    const perTable = await allSettledOrThrow(this.tables.all.map((table) => this.monthDigestsOf(workspaceId, snapshot, table)));
    return Object.fromEntries(this.tables.all.map((table, i) => [table.kind, perTable[i]!])) as HotDigests;
  }

  async monthDigestsOf(workspaceId: string, snapshot: HotSnapshot, table: EventTable): Promise<ReadonlyMap<number, RowDigest>> {
    const rows = await this.ch.rows<{ month: number; rows: string; checksum: string }>(
      `SELECT ${MONTH_OF} AS month, ${digestSelect(table)} FROM ${table.hot}
       WHERE workspace_id = {ws:String} AND _block_number <= {bound:UInt64} GROUP BY month`,
      { ws: workspaceId, bound: snapshot[table.kind] });
    return new Map(rows.map((r) => [Number(r.month), digestOf(r)]));
  }

  /** Hot user events per workspace, for many workspaces at once (fleet-wide checks). */
  async rowsOf(workspaceIds: readonly string[]): Promise<Map<string, number>> {
    return rowsPerWorkspace(this.ch, this.tables.events.hot, workspaceIds);
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
    await allSettledOrThrow(this.tables.all.map((table) => this.ch.command(
      `DELETE FROM ${table.hot} WHERE workspace_id = {ws:String} AND _block_number <= {bound:UInt64}`,
      { ws: workspaceId, bound: snapshot[table.kind] }, ASYNC_DELETE)));
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

/** The months (ascending) in which any of the tables holds rows. */
export function monthsOf(digests: HotDigests): number[] {
  const months = new Set<number>();
  for (const byMonth of Object.values(digests)) for (const month of byMonth.keys()) months.add(month);
  return [...months].sort((a, b) => a - b);
}
