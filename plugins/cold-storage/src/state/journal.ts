import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { SqlRunner, WorkspaceTable } from '@permafrost/backend-lib';
import type { EventTable, RowDigest } from '../rows';
import type { HotSnapshot } from '../strategies/types';

export type ColdStorageState = 'none' | 'archiving' | 'archived' | 'restoring' | 'failed';
export type OperationKind = 'archive' | 'restore';

export interface ColdStorageOperation {
  id: string;
  workspaceId: string;
  kind: OperationKind;
  strategy: string;
  /** Archive: the hot rows it owns. */
  snapshot: HotSnapshot | null;
  /** The months it covers, fixed when it began. */
  months: number[];
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
  /** The workspace's lifecycle status (Active, Paused, Tombstoned). */
  status: string;
}

/** State of one operation's steps, keyed by what the step is (e.g. `archive:events:202603`). */
export interface StepStore {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, state: unknown): Promise<void>;
  /** The recorded states of these keys (absent keys are missing from the map), in one statement. */
  getMany<T>(keys: readonly string[]): Promise<Map<string, T>>;
  /** Several steps in one statement (a batch of months verified together). */
  putMany(entries: ReadonlyArray<readonly [key: string, state: unknown]>): Promise<void>;
}

/**
 * The cold-storage journal in Postgres. Every change of an operation's state and the workspace's
 * `cold_storage_state` that belong together are one transaction: a crash never leaves an operation
 * finished while the workspace still says it runs, or the reverse. Every value is a bound parameter.
 */
export class ColdStorageJournal {
  /** The workspace row (whatever the platform names it) holds cold_storage_state / _strategy; this journal the rest. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly workspaces: WorkspaceTable,
  ) {}

  async workspaceState(workspaceId: string): Promise<WorkspaceColdState | undefined> {
    return this.workspaces.coldState(workspaceId);
  }

  async latestOperation(workspaceId: string): Promise<ColdStorageOperation | undefined> {
    const rows = await this.dataSource.query(
      `SELECT * FROM cold_storage_operation WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1`, [workspaceId]);
    return rows[0] ? toOperation(rows[0]) : undefined;
  }

  /** Records a new operation and marks the workspace as moving, together. */
  async begin(workspaceId: string, kind: OperationKind, strategy: string, snapshot: HotSnapshot | null, months: number[]): Promise<ColdStorageOperation> {
    return this.dataSource.transaction(async (tx) => {
      const rows = await tx.query(
        `INSERT INTO cold_storage_operation (id, workspace_id, kind, strategy, snapshot, months, state)
         VALUES ($1, $2, $3, $4, $5, $6, 'running') RETURNING *`,
        [randomUUID(), workspaceId, kind, strategy, snapshot ? JSON.stringify(snapshot) : null, months]);
      await this.setWorkspace(tx, workspaceId, kind === 'archive' ? 'archiving' : 'restoring', strategy);
      return toOperation(rows[0]);
    });
  }

  /** A retry takes the operation up again where its steps stopped. */
  async resume(op: ColdStorageOperation): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`UPDATE cold_storage_operation SET state = 'running', attempt = attempt + 1, error = NULL, error_code = NULL, finished_at = NULL WHERE id = $1`, [op.id]);
      await this.setWorkspace(tx, op.workspaceId, op.kind === 'archive' ? 'archiving' : 'restoring', op.strategy);
    });
  }

  /** The operation is done: an archive leaves the workspace `archived`, a restore `none`. */
  async complete(op: ColdStorageOperation, totals: { rows: number; bytes?: number }): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`UPDATE cold_storage_operation SET state = 'completed', rows = $2, bytes = COALESCE($3, bytes), finished_at = now() WHERE id = $1`,
        [op.id, totals.rows, totals.bytes ?? null]);
      await this.setWorkspace(tx, op.workspaceId, op.kind === 'archive' ? 'archived' : 'none', op.kind === 'archive' ? op.strategy : null);
    });
  }

  async fail(op: ColdStorageOperation, error: string, errorCode: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`UPDATE cold_storage_operation SET state = 'failed', error = $2, error_code = $3, finished_at = now() WHERE id = $1`, [op.id, error, errorCode]);
      await this.setWorkspace(tx, op.workspaceId, 'failed');
    });
  }

  /** A restore found nothing cold: the workspace's cold state is simply `none`. */
  async markEmpty(workspaceId: string): Promise<void> {
    await this.setWorkspace(this.dataSource.manager, workspaceId, 'none', null);
  }

  /**
   * What the latest completed archive recorded for a cold month of a table: the digest of the whole cold
   * month after its copy. A restore compares its staged rows with it instead of reading S3 once more.
   */
  async archivedDigest(workspaceId: string, table: EventTable, month: number): Promise<RowDigest | undefined> {
    const rows: Array<{ state: { verified?: RowDigest } }> = await this.dataSource.query(
      `SELECT s.state FROM cold_storage_step s JOIN cold_storage_operation o ON o.id = s.operation_id
       WHERE o.workspace_id = $1 AND o.kind = 'archive' AND o.state = 'completed' AND s.key = $2
       ORDER BY o.seq DESC LIMIT 1`, [workspaceId, `archive:${table.kind}:${month}`]);
    return rows[0]?.state.verified;
  }

  private async setWorkspace(tx: SqlRunner, workspaceId: string, state: ColdStorageState, strategy?: string | null): Promise<void> {
    await this.workspaces.setColdState(tx, workspaceId, state, strategy);
  }

  steps(operationId: string): StepStore {
    return {
      get: async <T>(key: string) => {
        const rows: Array<{ state: T }> = await this.dataSource.query(
          `SELECT state FROM cold_storage_step WHERE operation_id = $1 AND key = $2`, [operationId, key]);
        return rows[0]?.state;
      },
      put: async (key: string, state: unknown) => {
        await this.dataSource.query(
          `INSERT INTO cold_storage_step (operation_id, key, state) VALUES ($1, $2, $3)
           ON CONFLICT (operation_id, key) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
          [operationId, key, JSON.stringify(state)]);
      },
      getMany: async <T>(keys: readonly string[]) => {
        if (keys.length === 0) return new Map<string, T>();
        const rows: Array<{ key: string; state: T }> = await this.dataSource.query(
          `SELECT key, state FROM cold_storage_step WHERE operation_id = $1 AND key = ANY($2::text[])`, [operationId, keys]);
        return new Map(rows.map((r) => [r.key, r.state]));
      },
      putMany: async (entries) => {
        if (entries.length === 0) return;
        await this.dataSource.query(
          `INSERT INTO cold_storage_step (operation_id, key, state)
           SELECT $1, k, s::jsonb FROM unnest($2::text[], $3::text[]) AS e(k, s)
           ON CONFLICT (operation_id, key) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
          [operationId, entries.map(([k]) => k), entries.map(([, v]) => JSON.stringify(v))]);
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
    snapshot: (r.snapshot as HotSnapshot | null) ?? null,
    months: ((r.months as number[] | null) ?? []).map(Number),
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
