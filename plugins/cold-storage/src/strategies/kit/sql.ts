import type { ClickHouseSettings } from '@clickhouse/client';
import type { ClickHouse, QueryParams } from '@permafrost/backend-lib';
import { digestOf, digestSelect, MONTH_OF, type EventTable, type RowDigest } from '../../rows';

/** Hot rows of one workspace-month that an archive owns: committed at or under its snapshot bound. */
export const HOT_MONTH_UNDER_BOUND = `workspace_id = {ws:String} AND ${MONTH_OF} = {month:UInt32} AND _block_number <= {bound:UInt64}`;
/** All rows of one workspace-month (cold side, or a staging table). */
export const WORKSPACE_MONTH = `workspace_id = {ws:String} AND ${MONTH_OF} = {month:UInt32}`;

/** Count and fingerprint sum of `table`'s columns over `from` (a table or an s3() call) where `where`. */
export async function digest(ch: ClickHouse, table: EventTable, from: string, where: string, params: QueryParams, settings: ClickHouseSettings = {}): Promise<RowDigest> {
  return digestOf(await ch.one<{ rows: string; checksum: string }>(`SELECT ${digestSelect(table)} FROM ${from} WHERE ${where}`, params, settings));
}

/** Checks `signal` between steps: long operations stop at a safe point when the caller gives up. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('operation aborted');
}

/** Engine-made identifiers (partition ids) are checked before they enter SQL text: ALTER … PARTITION ID binds nothing. */
export function assertPartitionId(id: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`unexpected partition id ${JSON.stringify(id)}`);
  return id;
}
