import { inject, injectable } from 'tsyringe';
import { DataSource } from 'typeorm';
import { InvalidInputError, isPermafrostError, NotFoundError, WORKSPACE_STATUSES } from '@permafrost/core/plugin';
import { ClickHouse } from '../clickhouse/clickhouse';
import { COLD_STORAGE_STATES, type Workspace } from '../db/schema';
import { assertWorkspaceId } from '../ids';
import { WorkspaceTable } from '../workspace-table';
import { boundFor, decodeHistoryCursor, decodeStatusCursor, encodeCursor, mergeNewestFirst } from './cursor';
import { hotRowsOf, hotTables } from './hot-data';
import { heldLocks } from './lock-probe';
import { nextAction } from './next-action';
import { durationMs, iso } from './sql-time';
import { attemptFailure, hookLabel, LIFECYCLE_SOURCE, TransitionHistory, type TransitionRow } from './transition-history';
import type {
  HistoryPage, HotDescription, InspectedError, InspectionProvider, LastFailure, OperationSummary, ProviderDescription,
  ProviderStatus, StatusFilter, StatusPage, TransitionSummary, WorkspaceDescription, WorkspaceStatusRow,
} from './types';
import { workspacePage } from './workspace-pages';

/** The providers contributed to INSPECTION_PROVIDERS, resolved (the data layer registers the list). */
export const INSPECTION_PROVIDER_LIST = Symbol.for('permafrost.InspectionProviders');

export const HISTORY_LIMIT = { default: 20, max: 200 } as const;
export const STATUS_LIMIT = { default: 50, max: 500 } as const;
/** How long describe waits for an outside store (S3) before it reports it unreachable. */
export const DEFAULT_DEADLINE_MS = 5_000;

/**
 * Read-only answers about workspaces: history (every transition and plugin operation, newest first,
 * paged), describe (where the data is, the last failure, the next action) and listStatuses (keyset
 * pages, filtered). Nothing here writes, locks or starts anything. A store that does not answer (S3)
 * makes its part say so instead of failing the answer.
 */
@injectable()
export class WorkspaceInspector {
  private readonly transitions: TransitionHistory;

  constructor(
    @inject(DataSource) private readonly dataSource: DataSource,
    @inject(ClickHouse) private readonly ch: ClickHouse,
    @inject(INSPECTION_PROVIDER_LIST) private readonly providers: InspectionProvider[],
    @inject(WorkspaceTable) private readonly table: WorkspaceTable,
  ) {
    this.transitions = new TransitionHistory(dataSource);
  }

  /** Every transition and provider operation of the workspace, newest first; `cursor` is the previous page's `nextCursor`. */
  async history(workspaceId: string, options: { limit?: number; cursor?: string } = {}): Promise<HistoryPage> {
    const limit = validLimit(options.limit, HISTORY_LIMIT);
    const cursor = options.cursor === undefined ? undefined : decodeHistoryCursor(options.cursor);
    await this.workspace(workspaceId);
    const sources = [
      { name: LIFECYCLE_SOURCE, history: this.transitions.history.bind(this.transitions) },
      ...this.providers.map((p) => ({ name: p.name, history: p.history.bind(p) })),
    ];
    const pages = await Promise.all(sources.map(async (s) => ({ name: s.name, entries: await s.history(workspaceId, { limit: limit + 1, before: boundFor(s.name, cursor) }) })));
    return { workspaceId, ...mergeNewestFirst(pages, limit) };
  }

  /** Status, where the data is (hot and cold, per table), the last failure and the next action. */
  async describe(workspaceId: string, options: { deadlineMs?: number } = {}): Promise<WorkspaceDescription> {
    const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const ws = await this.workspace(workspaceId);
    const facts = { id: ws.id, status: ws.status, coldStorageState: ws.coldStorageState, coldStorageStrategy: ws.coldStorageStrategy };
    const [latest, locks, hot, parts] = await Promise.all([
      this.transitions.latest([ws.id]),
      heldLocks(this.dataSource, [ws.id]),
      this.hot(ws.id),
      Promise.all(this.providers.map((p) => guarded(p, p.describe(ws.id, { deadlineMs, workspace: facts }), deadlineMs))),
    ]);
    const t = latest.get(ws.id);
    const cold = parts.find((p) => p.storage)?.storage ?? null;
    const latestOperation = parts.find((p) => p.latestOperation)?.latestOperation ?? null;
    const lockHeld = locks.has(ws.id);
    return {
      workspace: {
        id: ws.id, name: ws.name, externalId: ws.externalId, status: ws.status, coldStorageState: ws.coldStorageState,
        coldStorageStrategy: ws.coldStorageStrategy, createdAt: iso(ws.createdAt)!, updatedAt: iso(ws.updatedAt)!,
      },
      latestTransition: t ? transitionSummary(t, lockHeld) : null,
      latestOperation,
      hot,
      cold,
      lastFailure: lastFailure(t, latestOperation),
      nextAction: nextAction({
        workspaceId: ws.id, status: ws.status, lockHeld, hotRows: hot.rows, coldRows: cold?.rows ?? (cold ? null : 0),
        latestTransition: t ? { id: t.id, transition: t.transition, state: t.state, phase: t.phase, from: t.from_status, to: t.to_status } : null,
        latestOperation: latestOperation && { id: latestOperation.id, operation: latestOperation.operation, state: latestOperation.state },
      }),
    };
  }

  /**
   * A page of workspaces in id order with their status, latest transition and operation, unresolved
   * failure and next action. Postgres only (one query per part of the page), unless `withData`: then hot
   * and cold rows too, with one ClickHouse query per page and table, never one per workspace.
   */
  async listStatuses(filter: StatusFilter = {}): Promise<StatusPage> {
    const limit = validLimit(filter.limit, STATUS_LIMIT);
    if (filter.status !== undefined && !WORKSPACE_STATUSES.includes(filter.status)) {
      throw new InvalidInputError(`status must be one of ${WORKSPACE_STATUSES.join(', ')}; got ${JSON.stringify(filter.status)}.`);
    }
    if (filter.coldState !== undefined && !COLD_STORAGE_STATES.includes(filter.coldState)) {
      throw new InvalidInputError(`coldState must be one of ${COLD_STORAGE_STATES.join(', ')}; got ${JSON.stringify(filter.coldState)}.`);
    }
    const after = filter.cursor === undefined ? undefined : decodeStatusCursor(filter.cursor);
    const withData = filter.withData ?? false;
    const rows = await workspacePage(this.dataSource, this.table, { status: filter.status, coldState: filter.coldState, hasFailure: filter.hasFailure, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.id);
    const strategies = new Map(page.map((r) => [r.id, r.cold_storage_state === 'none' ? null : r.cold_storage_strategy]));
    const [latest, locks, hotRows, provided] = await Promise.all([
      this.transitions.latest(ids),
      heldLocks(this.dataSource, ids),
      withData ? hotRowsOf(this.ch, ids).catch(() => undefined) : Promise.resolve(undefined),
      Promise.all(this.providers.map((p) => p.statuses(ids, { withData, deadlineMs: DEFAULT_DEADLINE_MS, strategies }))),
    ]);
    const workspaces = page.map((r): WorkspaceStatusRow => {
      const t = latest.get(r.id);
      const fromProviders = provided.map((m) => m.get(r.id)).filter((s): s is ProviderStatus => s !== undefined);
      const op = fromProviders.find((s) => s.latestOperation)?.latestOperation ?? null;
      const stored = fromProviders.find((s) => s.storedRows !== undefined);
      const hot = hotRows?.get(r.id) ?? null;
      const cold = withData ? (stored ? stored.storedRows ?? null : 0) : null;
      const failure = lastFailure(t, op);
      return {
        id: r.id, name: r.name, status: r.status, coldStorageState: r.cold_storage_state, coldStorageStrategy: r.cold_storage_strategy, updatedAt: iso(r.updated_at)!,
        latestTransition: t ? { id: t.id, transition: t.transition, state: t.state, phase: t.phase } : null,
        latestOperation: op && { id: op.id, operation: op.operation, state: op.state },
        failure: failure && !failure.resolved ? { kind: failure.kind, id: failure.id, operation: failure.operation, code: failure.code, message: failure.message, at: failure.at } : null,
        hotRows: hot,
        coldRows: cold,
        nextAction: nextAction({
          workspaceId: r.id, status: r.status, lockHeld: locks.has(r.id), hotRows: hot, coldRows: cold,
          latestTransition: t ? { id: t.id, transition: t.transition, state: t.state, phase: t.phase, from: t.from_status, to: t.to_status } : null,
          latestOperation: op && { id: op.id, operation: op.operation, state: op.state },
        }),
      };
    });
    const last = page.at(-1);
    return { workspaces, nextCursor: rows.length > limit && last ? encodeCursor({ after: last.id }) : null, limit, withData };
  }

  private async workspace(workspaceId: string): Promise<Workspace> {
    assertWorkspaceId(workspaceId);
    const ws = await this.table.find(workspaceId);
    if (!ws) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    return WorkspaceTable.toWorkspace(ws);
  }

  private async hot(workspaceId: string): Promise<HotDescription> {
    const started = Date.now();
    try {
      const tables = await hotTables(this.ch, workspaceId);
      return { reachable: true, error: null, rows: tables[0]!.rows, tables, elapsedMs: Date.now() - started };
    } catch (err) {
      return { reachable: false, error: inspectedError(err, 'CLICKHOUSE_ERROR'), rows: null, tables: [], elapsedMs: Date.now() - started };
    }
  }
}

function validLimit(value: number | undefined, bounds: { default: number; max: number }): number {
  if (value === undefined) return bounds.default;
  if (!Number.isSafeInteger(value) || value < 1 || value > bounds.max) {
    throw new InvalidInputError(`limit must be a whole number from 1 to ${bounds.max}; got ${JSON.stringify(value)}. Page with the cursor instead.`);
  }
  return value;
}

/** A provider's error or overrun becomes its part's error; the rest of the answer stands. */
async function guarded(provider: InspectionProvider, work: Promise<ProviderDescription>, deadlineMs: number): Promise<ProviderDescription> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  // The provider keeps its own deadline; this one only catches a provider that does not.
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${provider.name} did not answer within ${deadlineMs + 2_000} ms`), { code: 'INSPECTION_TIMEOUT' })), deadlineMs + 2_000);
  });
  try {
    return await Promise.race([work, overrun]);
  } catch (err) {
    return {
      storage: {
        name: provider.name, strategy: null, reachable: false, error: inspectedError(err, 'INSPECTION_FAILED'),
        rows: null, bytesOnDisk: null, tables: [], objects: [], source: 'none', elapsedMs: Date.now() - started,
      },
    };
  } finally {
    clearTimeout(timer);
  }
}

/** A typed error keeps its code; anything else gets `fallback`, with the first line of its message. */
export function inspectedError(err: unknown, fallback: string): InspectedError {
  const code = isPermafrostError(err) ? err.code : (err as { code?: unknown })?.code === 'INSPECTION_TIMEOUT' ? 'INSPECTION_TIMEOUT' : fallback;
  return { code, message: String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 500) };
}

function transitionSummary(t: TransitionRow, lockHeld: boolean): TransitionSummary {
  return {
    id: t.id, transition: t.transition, state: t.state, phase: t.phase, attempts: t.attempt,
    startedAt: iso(t.started_at)!, finishedAt: iso(t.finished_at), durationMs: durationMs(t.started_at, t.finished_at), lockHeld,
  };
}

/**
 * The most recent failure: an unresolved one (the latest transition or operation failed; the newer of
 * the two when both did), else the latest transition's last failed attempt, marked resolved once a
 * retry completed it.
 */
export function lastFailure(t: TransitionRow | undefined, op: OperationSummary | null): LastFailure | null {
  const open: LastFailure[] = [];
  if (t && t.state === 'failed' && t.error !== null) {
    const hook = t.failed_hooks[0];
    open.push({
      kind: 'transition', id: t.id, operation: t.transition, code: t.error_code, message: t.error, at: iso(t.finished_at),
      step: hook ? hookLabel(hook) : t.phase, causeCode: hook?.code ?? null, attempt: t.attempt, resolved: false,
    });
  }
  if (op && op.state === 'failed' && op.error) {
    open.push({ kind: op.kind, id: op.id, operation: op.operation, code: op.error.code, message: op.error.message, at: op.finishedAt, step: op.lastStep, causeCode: null, attempt: op.attempts, resolved: false });
  }
  if (open.length > 0) return open.sort((a, b) => String(b.at).localeCompare(String(a.at)))[0]!;
  const past = t?.failures?.at(-1);
  if (!t || !past) return null;
  const f = attemptFailure(past);
  return { kind: 'transition', id: t.id, operation: t.transition, code: f.code, message: f.message, at: f.at, step: f.step, causeCode: f.causeCode, attempt: f.attempt, resolved: t.state === 'completed' };
}
