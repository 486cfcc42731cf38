import { INTERNAL_EVENTS_TABLE, USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { toRows } from './rows';
import type { RowSpec } from './types';

export const REF_USER_EVENTS = 'model_ref_user_events';
export const REF_INTERNAL_EVENTS = 'model_ref_internal_events';
const REF_VIEW = 'model_ref_internal_events_mv';

/**
 * The expected multiset, computed by the engine itself: every batch written to user_events_v2 is also
 * written here. `AS user_events_v2` copies the columns with their DEFAULT expressions, so derived
 * columns come out exactly as in the hot table, and our own view runs the SELECT of internal_events_mv
 * (read from the engine, so it follows any change to the real view) over the reference table.
 */
export async function createReferenceTables(ch: ClickHouse): Promise<void> {
  await ch.command(`CREATE TABLE IF NOT EXISTS ${REF_USER_EVENTS} AS ${USER_EVENTS_TABLE}`);
  await ch.command(`CREATE TABLE IF NOT EXISTS ${REF_INTERNAL_EVENTS} AS ${INTERNAL_EVENTS_TABLE}`);
  const view = await ch.one<{ as_select: string }>(
    `SELECT as_select FROM system.tables WHERE database = currentDatabase() AND name = 'internal_events_mv'`);
  const from = new RegExp(`\\bFROM\\s+(\\w+\\.)?\`?${USER_EVENTS_TABLE}\`?(?=\\s|$)`, 'g');
  const select = view.as_select.replace(from, `FROM ${REF_USER_EVENTS}`);
  if (select === view.as_select) throw new Error(`cannot mirror internal_events_mv: no FROM ${USER_EVENTS_TABLE} in ${view.as_select}`);
  await ch.command(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${REF_VIEW} TO ${REF_INTERNAL_EVENTS} AS ${select}`);
}

/**
 * Ingests a batch the way a real platform does: straight into ClickHouse (no ingest API, which would
 * drop in-batch duplicates), and the same rows into the reference.
 */
export async function ingest(ch: ClickHouse, workspaceId: string, specs: readonly RowSpec[]): Promise<number> {
  const rows = toRows(workspaceId, specs);
  await ch.insertRows(USER_EVENTS_TABLE, rows);
  await ch.insertRows(REF_USER_EVENTS, rows);
  return rows.length;
}
