import { INTERNAL_EVENTS_TABLE, USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { MONTH_OF, ROW_KEY } from './rows';
import type { ColdSource, PartitionStats } from './strategies/types';

/** Async deletes, in the style of deleteUsers: submitted in milliseconds, applied in the background. */
const ASYNC_DELETE = { mutations_sync: '0', lightweight_deletes_sync: '0' } as const;

/** The archive's view of the hot side: which months it covers, and the deletes once they are verified. */
export class HotEvents {
  constructor(private readonly ch: ClickHouse) {}

  /** The engine's clock, the one `processing_time DEFAULT now64(3)` uses. */
  async now(): Promise<string> {
    return (await this.ch.one<{ now: string }>(`SELECT toString(now64(3)) AS now`)).now;
  }

  async months(workspaceId: string, watermark?: string): Promise<PartitionStats[]> {
    const rows = await this.ch.rows<{ month: number; rows: string; bytes: string }>(
      `SELECT ${MONTH_OF} AS month, count() AS rows, sum(length(message_raw)) AS bytes FROM ${USER_EVENTS_TABLE}
       WHERE workspace_id = {ws:String} ${watermark ? 'AND processing_time <= {watermark:DateTime64(3)}' : ''}
       GROUP BY month ORDER BY month`,
      { ws: workspaceId, ...(watermark ? { watermark } : {}) });
    return rows.map((r) => ({ month: Number(r.month), rows: Number(r.rows), bytes: Number(r.bytes) }));
  }

  async countAfter(workspaceId: string, watermark: string): Promise<number> {
    const row = await this.ch.one<{ n: string }>(
      `SELECT count() AS n FROM ${USER_EVENTS_TABLE} WHERE workspace_id = {ws:String} AND processing_time > {watermark:DateTime64(3)}`,
      { ws: workspaceId, watermark });
    return Number(row.n);
  }

  /**
   * Deletes exactly the hot rows whose twin the verified cold copy holds (same time, id, payload),
   * bounded by the watermark and months: an event that arrived during the archive has no twin and
   * stays. internal_events rows go with their event (same processing_time and message_id).
   */
  async deleteArchived(workspaceId: string, watermark: string, months: number[], cold: ColdSource): Promise<void> {
    const params = { ...cold.params, ws: workspaceId, watermark, months };
    const bounded = `workspace_id = {ws:String} AND processing_time <= {watermark:DateTime64(3)} AND ${MONTH_OF} IN {months:Array(UInt32)}`;
    await this.ch.command(
      `DELETE FROM ${USER_EVENTS_TABLE} WHERE ${bounded} AND ${ROW_KEY} IN (SELECT ${cold.rowKey} FROM ${cold.from} WHERE ${cold.where})`,
      params, ASYNC_DELETE);
    await this.ch.command(
      `DELETE FROM ${INTERNAL_EVENTS_TABLE} WHERE ${bounded} AND (processing_time, message_id) IN (SELECT ${cold.eventKey} FROM ${cold.from} WHERE ${cold.where})`,
      params, ASYNC_DELETE);
  }

  /**
   * Waits for this workspace's pending deletes. A restore must not start before them: a hot row the
   * delete has not reached yet would make the restore skip its twin, and then vanish.
   */
  async waitForDeletes(workspaceId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.ch.one<{ pending: string; failure: string }>(
        `SELECT countIf(NOT is_done) AS pending, anyIf(latest_fail_reason, latest_fail_reason != '') AS failure FROM system.mutations
         WHERE database = currentDatabase() AND table IN {tables:Array(String)} AND position(command, {ws:String}) > 0`,
        { tables: [USER_EVENTS_TABLE, INTERNAL_EVENTS_TABLE], ws: workspaceId });
      if (Number(row.pending) === 0) return;
      if (row.failure) throw new Error(`a delete of workspace ${workspaceId}'s archived rows failed in ClickHouse: ${row.failure}`);
      if (Date.now() > deadline) throw new Error(`deletes of workspace ${workspaceId}'s archived rows still run after ${timeoutMs} ms; retry later`);
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
