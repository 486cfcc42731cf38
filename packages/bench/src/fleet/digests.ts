import { INTERNAL_EVENTS_TABLE, USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { COLD_INTERNAL_TABLE, COLD_TABLE, EVENTS, INTERNAL, type EventTable } from '@permafrost/plugin-cold-storage';

/** count() and a sum of row hashes: equal digests mean equal multisets, short of a hash collision. */
export interface Digest {
  rows: number;
  checksum: string;
}

/** Per workspace, both event tables. */
export type TableDigests = Map<string, { events: Digest; internal: Digest }>;

export const EMPTY: Digest = { rows: 0, checksum: '0' };

/**
 * Every column of the hot tables, materialized ones included (names from system.columns, never input):
 * what a workspace had before its pause must be exactly what it has after its resume.
 */
export async function hotRowDigests(ch: ClickHouse, workspaceIds: string[]): Promise<TableDigests> {
  const columns = async (table: string) => (await ch.rows<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`, { t: table }))
    .map((c) => `\`${c.name}\``).join(', ');
  return pair(
    await grouped(ch, USER_EVENTS_TABLE, `cityHash64(${await columns(USER_EVENTS_TABLE)})`, workspaceIds),
    await grouped(ch, INTERNAL_EVENTS_TABLE, `cityHash64(${await columns(INTERNAL_EVENTS_TABLE)})`, workspaceIds),
    workspaceIds,
  );
}

/** The columns cold storage keeps (cold storage's own fingerprint), read from the hot tables. */
export async function hotStoredDigests(ch: ClickHouse, workspaceIds: string[]): Promise<TableDigests> {
  return storedDigests(ch, workspaceIds, (t) => t.hot);
}

/** The same fingerprint over the cold tables of the table strategy. */
export async function coldStoredDigests(ch: ClickHouse, workspaceIds: string[]): Promise<TableDigests> {
  return storedDigests(ch, workspaceIds, (t) => (t === EVENTS ? COLD_TABLE : COLD_INTERNAL_TABLE));
}

async function storedDigests(ch: ClickHouse, workspaceIds: string[], tableOf: (t: EventTable) => string): Promise<TableDigests> {
  return pair(
    await grouped(ch, tableOf(EVENTS), EVENTS.fingerprint, workspaceIds),
    await grouped(ch, tableOf(INTERNAL), INTERNAL.fingerprint, workspaceIds),
    workspaceIds,
  );
}

/** One grouped query for all workspaces (never one per workspace); absent workspaces have no rows. */
async function grouped(ch: ClickHouse, table: string, hash: string, workspaceIds: string[]): Promise<Map<string, Digest>> {
  const rows = await ch.rows<{ ws: string; rows: string; checksum: string }>(
    `SELECT workspace_id AS ws, count() AS rows, toString(sum(${hash})) AS checksum FROM ${table}
     WHERE workspace_id IN {ids:Array(String)} GROUP BY workspace_id`,
    { ids: workspaceIds });
  return new Map(rows.map((r) => [r.ws, { rows: Number(r.rows), checksum: r.checksum }]));
}

function pair(events: Map<string, Digest>, internal: Map<string, Digest>, workspaceIds: string[]): TableDigests {
  return new Map(workspaceIds.map((id) => [id, { events: events.get(id) ?? EMPTY, internal: internal.get(id) ?? EMPTY }]));
}

export const sameDigest = (a: Digest, b: Digest) => a.rows === b.rows && a.checksum === b.checksum;

/** Resolves once no mutation (lightweight delete) on the hot tables is pending; rows stay visible until then. */
export async function waitForHotDeletes(ch: ClickHouse, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await ch.one<{ pending: string; failure: string }>(
      `SELECT countIf(NOT is_done) AS pending, anyIf(latest_fail_reason, latest_fail_reason != '') AS failure FROM system.mutations
       WHERE database = currentDatabase() AND table IN {tables:Array(String)}`,
      { tables: [USER_EVENTS_TABLE, INTERNAL_EVENTS_TABLE] });
    if (row.failure) throw new Error(`a delete on the hot tables failed: ${row.failure}`);
    if (Number(row.pending) === 0) return;
    if (Date.now() > deadline) throw new Error(`${row.pending} deletes on the hot tables still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
