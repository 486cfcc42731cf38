import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export type ColdStorageState = 'none' | 'archiving' | 'archived' | 'restoring' | 'failed';
export type OperationKind = 'archive' | 'restore';

export interface ColdStorageOperation {
  id: string;
  workspaceId: string;
  kind: OperationKind;
  strategy: string;
  watermark: string | null;
  state: 'running' | 'completed' | 'failed' | 'superseded';
  attempt: number;
  rows: number;
  bytes: number;
  error: string | null;
  errorCode: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface WorkspaceColdState {
  state: ColdStorageState;
  strategy: string | null;
}

/** Checkpoints of one operation: JSON per (month, page); page -1 is the month itself. */
export interface CheckpointStore {
  get<T>(month: number, page?: number): Promise<T | undefined>;
  put(month: number, page: number, state: unknown): Promise<void>;
}

/** Postgres bookkeeping of cold storage; every value is a bound parameter ($1…). */
export class ColdStorageStateStore {
  constructor(private readonly dataSource: DataSource) {}

  async workspaceState(workspaceId: string): Promise<WorkspaceColdState | undefined> {
    const rows: Array<{ state: ColdStorageState; strategy: string | null }> = await this.dataSource.query(
      `SELECT cold_storage_state AS state, cold_storage_strategy AS strategy FROM workspace WHERE id = $1`, [workspaceId]);
    return rows[0];
  }

  async setWorkspaceState(workspaceId: string, state: ColdStorageState, strategy?: string | null): Promise<void> {
    if (strategy === undefined) {
      await this.dataSource.query(`UPDATE workspace SET cold_storage_state = $2 WHERE id = $1`, [workspaceId, state]);
    } else {
      await this.dataSource.query(`UPDATE workspace SET cold_storage_state = $2, cold_storage_strategy = $3 WHERE id = $1`, [workspaceId, state, strategy]);
    }
  }

  async latestOperation(workspaceId: string): Promise<ColdStorageOperation | undefined> {
    const rows = await this.dataSource.query(
      `SELECT * FROM cold_storage_operation WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1`, [workspaceId]);
    return rows[0] ? toOperation(rows[0]) : undefined;
  }

  async startOperation(workspaceId: string, kind: OperationKind, strategy: string, watermark: string | null): Promise<ColdStorageOperation> {
    const rows = await this.dataSource.query(
      `INSERT INTO cold_storage_operation (id, workspace_id, kind, strategy, watermark, state) VALUES ($1, $2, $3, $4, $5, 'running') RETURNING *`,
      [randomUUID(), workspaceId, kind, strategy, watermark]);
    return toOperation(rows[0]);
  }

  async resumeOperation(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE cold_storage_operation SET state = 'running', attempt = attempt + 1, error = NULL, error_code = NULL, finished_at = NULL WHERE id = $1`, [id]);
  }

  async finishOperation(id: string, outcome: { state: 'completed' | 'failed' | 'superseded'; rows?: number; bytes?: number; error?: string; errorCode?: string }): Promise<void> {
    await this.dataSource.query(
      `UPDATE cold_storage_operation SET state = $2, rows = COALESCE($3, rows), bytes = COALESCE($4, bytes), error = $5, error_code = $6, finished_at = now() WHERE id = $1`,
      [id, outcome.state, outcome.rows ?? null, outcome.bytes ?? null, outcome.error ?? null, outcome.errorCode ?? null]);
  }

  /**
   * The month checkpoint written by the latest completed archive of the workspace since its last
   * completed restore: what the archiver verified the cold month to hold.
   */
  async lastArchivedMonthState<T>(workspaceId: string, month: number): Promise<T | undefined> {
    const rows: Array<{ state: T }> = await this.dataSource.query(
      `SELECT c.state FROM cold_storage_checkpoint c JOIN cold_storage_operation o ON o.id = c.operation_id
       WHERE o.workspace_id = $1 AND o.kind = 'archive' AND o.state = 'completed' AND c.month = $2 AND c.page = -1
         AND o.seq > COALESCE((SELECT max(seq) FROM cold_storage_operation WHERE workspace_id = $1 AND kind = 'restore' AND state = 'completed'), 0)
       ORDER BY o.seq DESC LIMIT 1`, [workspaceId, month]);
    return rows[0]?.state;
  }

  checkpoints(operationId: string): CheckpointStore {
    return {
      get: async <T>(month: number, page = -1) => {
        const rows: Array<{ state: T }> = await this.dataSource.query(
          `SELECT state FROM cold_storage_checkpoint WHERE operation_id = $1 AND month = $2 AND page = $3`, [operationId, month, page]);
        return rows[0]?.state;
      },
      put: async (month: number, page: number, state: unknown) => {
        await this.dataSource.query(
          `INSERT INTO cold_storage_checkpoint (operation_id, month, page, state) VALUES ($1, $2, $3, $4)
           ON CONFLICT (operation_id, month, page) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
          [operationId, month, page, JSON.stringify(state)]);
      },
    };
  }
}

function toOperation(r: Record<string, unknown>): ColdStorageOperation {
  return {
    id: r.id as string,
    workspaceId: r.workspace_id as string,
    kind: r.kind as OperationKind,
    strategy: r.strategy as string,
    watermark: (r.watermark as string | null) ?? null,
    state: r.state as ColdStorageOperation['state'],
    attempt: Number(r.attempt),
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    error: (r.error as string | null) ?? null,
    errorCode: (r.error_code as string | null) ?? null,
    startedAt: r.started_at as Date,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}
