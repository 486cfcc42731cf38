import type { OperationFinished } from '@permafrost/core/plugin';
import { EVENTS, INTERNAL } from './rows';
import type { ColdStorageOperation } from './state/journal';

/** What one completed operation moved: user_events_v2 rows, internal_events rows when counted, cold bytes when measured. */
export interface OperationTotals {
  rows: number;
  internalRows?: number;
  bytes?: number;
}

/**
 * The `operation:finished` notification of a completed archive or restore, in core's storage contract.
 * An archive counts both tables and the bytes its cold parts take; a restore's report counts
 * user_events_v2 rows only (internal rows come back with them, uncounted) and measures no bytes.
 */
export function operationFinished(op: ColdStorageOperation, totals: OperationTotals, durationMs: number): OperationFinished {
  const tables = [{ table: EVENTS.hot, rows: totals.rows }, ...(totals.internalRows === undefined ? [] : [{ table: INTERNAL.hot, rows: totals.internalRows }])];
  return {
    workspaceId: op.workspaceId, operationId: op.id, kind: op.kind, strategy: op.strategy,
    rows: tables.reduce((n, t) => n + t.rows, 0), ...(totals.bytes === undefined ? {} : { bytes: totals.bytes }), tables, durationMs,
  };
}
