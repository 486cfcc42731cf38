import pLimit from 'p-limit';
import type { DataSource } from 'typeorm';
import { isPermafrostError, NotFoundError, type ProgressUpdate, type WorkspaceStateStore } from '@permafrost/core';
import { assertWorkspaceId, type ClickHouse } from '@permafrost/backend-lib';
import { ColdStorageUnreachableError, isS3Failure } from './errors';
import { HotEvents } from './hot-events';
import type { ArchiveReport, ColdStoragePlan, RestoreReport } from './reports';
import { ColdStorageStateStore, type ColdStorageOperation, type WorkspaceColdState } from './state/state-store';
import type { ColdStorageStrategy, OperationContext, PartitionStats } from './strategies/types';

export interface RunOptions {
  signal?: AbortSignal;
  progress?: (update: ProgressUpdate) => void;
}

export interface ColdStorageServiceOptions {
  defaultStrategy: string;
  maxConcurrentOperations: number;
  deleteWaitTimeoutMs: number;
}

const sum = (xs: PartitionStats[], key: 'rows' | 'bytes') => xs.reduce((n, x) => n + x[key], 0);

/**
 * Archive and restore of one workspace's events, strategy-agnostic. Safety rules kept here:
 *  - nothing hot is deleted before every month of the archive is verified, and then only the hot rows
 *    whose exact twin is cold;
 *  - nothing cold is freed before every month of the restore is verified hot again;
 *  - every step is checkpointed; an unfinished operation is resumed, never restarted beside itself.
 * Public methods take the workspace's lifecycle lock; lifecycle hooks (which hold it) call `archive`
 * and `restore` directly.
 */
export class ColdStorageService {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly state: ColdStorageStateStore;
  private readonly hot: HotEvents;

  constructor(
    ch: ClickHouse,
    dataSource: DataSource,
    private readonly lifecycleStore: WorkspaceStateStore,
    private readonly strategies: ReadonlyMap<string, ColdStorageStrategy>,
    private readonly options: ColdStorageServiceOptions,
  ) {
    if (!strategies.has(options.defaultStrategy)) throw new Error(`unknown cold storage strategy ${options.defaultStrategy}; known: ${[...strategies.keys()].join(', ')}`);
    this.limit = pLimit(options.maxConcurrentOperations);
    this.state = new ColdStorageStateStore(dataSource);
    this.hot = new HotEvents(ch);
  }

  async sendWorkspaceEventsToColdStorage(workspaceId: string, options: RunOptions = {}): Promise<ArchiveReport> {
    assertWorkspaceId(workspaceId);
    return this.lifecycleStore.withWorkspaceLock(workspaceId, () => this.archive(workspaceId, options));
  }

  async restoreWorkspaceEventsFromColdStorage(workspaceId: string, options: RunOptions = {}): Promise<RestoreReport> {
    assertWorkspaceId(workspaceId);
    return this.lifecycleStore.withWorkspaceLock(workspaceId, () => this.restore(workspaceId, options));
  }

  /** Dry run: what an archive or a restore would move now. Changes nothing. */
  async plan(workspaceId: string): Promise<ColdStoragePlan> {
    assertWorkspaceId(workspaceId);
    const ws = await this.workspaceState(workspaceId);
    const strategy = this.strategyFor(ws);
    const [hot, cold] = await Promise.all([this.hot.months(workspaceId), strategy.coldPartitions(workspaceId)]);
    return {
      workspaceId, state: ws.state, strategy: strategy.name,
      hot: { partitions: hot, rows: sum(hot, 'rows'), bytes: sum(hot, 'bytes') },
      cold: { partitions: cold, rows: sum(cold, 'rows'), bytes: sum(cold, 'bytes') },
      nextOperation: await this.nextOperation(workspaceId, ws, hot.length > 0),
    };
  }

  /** What the workspace's state calls for; hot counts alone mislead while an archive's deletes still run. */
  private async nextOperation(workspaceId: string, ws: WorkspaceColdState, hasHot: boolean): Promise<ColdStoragePlan['nextOperation']> {
    switch (ws.state) {
      case 'archived':
        return 'restore';
      case 'none':
        return hasHot ? 'archive' : 'none';
      case 'archiving':
        return 'archive';
      case 'restoring':
        return 'restore';
      case 'failed':
        return (await this.state.latestOperation(workspaceId))?.kind ?? 'none';
    }
  }

  async status(workspaceId: string): Promise<WorkspaceColdState & { lastOperation?: ColdStorageOperation }> {
    assertWorkspaceId(workspaceId);
    return { ...(await this.workspaceState(workspaceId)), lastOperation: await this.state.latestOperation(workspaceId) };
  }

  /** Resolves once the workspace's archived hot rows are really gone (the deletes run in the background). */
  async settle(workspaceId: string): Promise<void> {
    assertWorkspaceId(workspaceId);
    await this.awaitDeletes(workspaceId);
  }

  /** Waits for the workspace's background deletes, then lets every strategy release what they used. */
  private async awaitDeletes(workspaceId: string, signal: AbortSignal = new AbortController().signal): Promise<void> {
    await this.hot.waitForDeletes(workspaceId, this.options.deleteWaitTimeoutMs, signal);
    for (const strategy of this.strategies.values()) await strategy.afterDeletes?.(workspaceId);
  }

  /** Caller holds the workspace lock. */
  async archive(workspaceId: string, options: RunOptions = {}): Promise<ArchiveReport> {
    assertWorkspaceId(workspaceId);
    return this.limit(() => this.runArchive(workspaceId, options));
  }

  /** Caller holds the workspace lock. */
  async restore(workspaceId: string, options: RunOptions = {}): Promise<RestoreReport> {
    assertWorkspaceId(workspaceId);
    return this.limit(() => this.runRestore(workspaceId, options));
  }

  private async runArchive(workspaceId: string, options: RunOptions): Promise<ArchiveReport> {
    const started = Date.now();
    const ws = await this.workspaceState(workspaceId);
    // A previous archive's deletes still running would show rows that are already cold.
    await this.awaitDeletes(workspaceId, options.signal);
    let op = await this.unfinished(workspaceId, 'archive');
    const strategy = op ? this.strategy(op.strategy) : this.strategyFor(ws);
    const watermark = op?.watermark ?? (await this.hot.now());
    const months = await this.hot.months(workspaceId, watermark);
    if (months.length === 0 && !op) {
      const coldMonths = await strategy.coldPartitions(workspaceId);
      const note = coldMonths.length > 0 ? 'already archived: no hot events to move' : 'nothing to archive: the workspace has no events';
      return { workspaceId, outcome: 'noop', note, strategy: strategy.name, months: [], rows: 0, bytes: 0, stayedHot: 0, durationMs: Date.now() - started };
    }
    op ??= await this.state.startOperation(workspaceId, 'archive', strategy.name, watermark);
    await this.state.setWorkspaceState(workspaceId, 'archiving', strategy.name);
    const ctx = this.context(op, watermark, options, 'archive', months.length);
    const archived: ArchiveReport['months'] = [];
    for (const month of months) {
      const result = await this.failing(op, () => strategy.archiver.archiveMonth(ctx, month.month));
      archived.push({ month: month.month, rows: result.digest.rows, bytes: result.bytes, checksum: result.digest.checksum });
      ctx.report({ month: month.month, rows: result.digest.rows, bytes: result.bytes });
    }
    const verifiedMonths = archived.map((m) => m.month);
    if (verifiedMonths.length > 0) {
      await this.failing(op, async () => this.hot.deleteArchived(workspaceId, watermark, verifiedMonths, await strategy.coldSource(workspaceId, verifiedMonths)));
    }
    const rows = archived.reduce((n, m) => n + m.rows, 0);
    const bytes = archived.reduce((n, m) => n + m.bytes, 0);
    await this.state.finishOperation(op.id, { state: 'completed', rows, bytes });
    await this.state.setWorkspaceState(workspaceId, 'archived', strategy.name);
    const stayedHot = await this.hot.countAfter(workspaceId, watermark);
    return {
      workspaceId, outcome: 'archived', operationId: op.id, strategy: strategy.name, watermark, months: archived, rows, bytes, stayedHot,
      note: `archived ${rows} events in ${archived.length} partitions to ${strategy.name} cold storage${stayedHot ? `; ${stayedHot} newer events stay hot` : ''}`,
      durationMs: Date.now() - started,
    };
  }

  private async runRestore(workspaceId: string, options: RunOptions): Promise<RestoreReport> {
    const started = Date.now();
    const ws = await this.workspaceState(workspaceId);
    const latest = await this.state.latestOperation(workspaceId);
    // An archive that stopped half-way is finished first (its copies are verified and its deletes exact),
    // then reversed: simpler and as safe as unpicking it.
    if (latest?.kind === 'archive' && (latest.state === 'running' || latest.state === 'failed')) await this.runArchive(workspaceId, options);
    let op = await this.unfinished(workspaceId, 'restore');
    const strategy = op ? this.strategy(op.strategy) : this.strategyFor(await this.workspaceState(workspaceId));
    const months = await strategy.coldPartitions(workspaceId);
    if (months.length === 0 && !op) {
      if (ws.state !== 'none') await this.state.setWorkspaceState(workspaceId, 'none', null);
      return { workspaceId, outcome: 'noop', note: 'nothing to restore: the workspace has no cold events', strategy: strategy.name, months: [], rows: 0, objectsFreed: 0, objectsLeft: 0, durationMs: Date.now() - started };
    }
    op ??= await this.state.startOperation(workspaceId, 'restore', strategy.name, null);
    await this.state.setWorkspaceState(workspaceId, 'restoring', strategy.name);
    const signal = options.signal ?? new AbortController().signal;
    await this.failing(op, () => this.awaitDeletes(workspaceId, signal));
    const ctx = this.context(op, '', options, 'restore', months.length);
    const restored: RestoreReport['months'] = [];
    for (const month of months) {
      const result = await this.failing(op, () => strategy.restorer.restoreMonth(ctx, month.month));
      restored.push({ month: month.month, rows: result.digest.rows, checksum: result.digest.checksum, pages: result.pages });
      ctx.report({ month: month.month, rows: result.digest.rows, bytes: month.bytes });
    }
    const freed = await this.failing(op, () => strategy.restorer.free(ctx, months.map((m) => m.month)));
    const rows = restored.reduce((n, m) => n + m.rows, 0);
    await this.state.finishOperation(op.id, { state: 'completed', rows });
    await this.state.setWorkspaceState(workspaceId, 'none', null);
    return {
      workspaceId, outcome: 'restored', operationId: op.id, strategy: strategy.name, months: restored, rows,
      objectsFreed: freed.objectsBefore, objectsLeft: freed.objectsLeft,
      note: `restored ${rows} events from ${restored.length} partitions; freed ${freed.partitions} cold partitions (${freed.objectsBefore} objects)`,
      durationMs: Date.now() - started,
    };
  }

  /**
   * The latest operation if it is unfinished and of this kind. An unfinished operation of the other kind
   * is superseded when `supersede` (the new operation's copy-if-absent steps cover what it left).
   */
  private async unfinished(workspaceId: string, kind: 'archive' | 'restore'): Promise<ColdStorageOperation | undefined> {
    const op = await this.state.latestOperation(workspaceId);
    if (!op || (op.state !== 'running' && op.state !== 'failed')) return undefined;
    if (op.kind === kind) {
      await this.state.resumeOperation(op.id);
      return op;
    }
    if (kind === 'archive') await this.state.finishOperation(op.id, { state: 'superseded', error: op.error ?? undefined });
    return undefined;
  }

  private context(op: ColdStorageOperation, watermark: string, options: RunOptions, step: 'archive' | 'restore', total: number): OperationContext {
    let done = 0;
    const started = Date.now();
    return {
      workspaceId: op.workspaceId, operationId: op.id, watermark,
      checkpoints: this.state.checkpoints(op.id),
      archivedMonth: (month) => this.state.lastArchivedMonthState(op.workspaceId, month),
      signal: options.signal ?? new AbortController().signal,
      report: (p) => {
        if (p.page === undefined) done += 1;
        options.progress?.({
          step: p.page === undefined ? step : `${step}:page`, done: p.page ?? done, total: p.pages ?? total,
          unit: p.page === undefined ? 'partitions' : 'pages',
          detail: { month: p.month, rows: p.rows, bytes: p.bytes, elapsedMs: Date.now() - started, strategy: op.strategy },
        });
      },
    };
  }

  /** Records a failure on the operation and the workspace, mapping S3 outages to a typed error. */
  private async failing<T>(op: ColdStorageOperation, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      const typed = isS3Failure(err) && !isPermafrostError(err)
        ? new ColdStorageUnreachableError(`Cold storage (S3) did not answer during the ${op.kind} of workspace ${op.workspaceId}: ${firstLine(err)}. No hot row was deleted and no cold copy was freed; once S3 answers, retry the transition.`, { workspaceId: op.workspaceId, plugin: 'cold-storage', cause: err })
        : err;
      await this.state.finishOperation(op.id, { state: 'failed', error: firstLine(typed), errorCode: (typed as { code?: string }).code ?? 'ERROR' });
      await this.state.setWorkspaceState(op.workspaceId, 'failed');
      throw typed;
    }
  }

  private async workspaceState(workspaceId: string): Promise<WorkspaceColdState> {
    const ws = await this.state.workspaceState(workspaceId);
    if (!ws) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    return ws;
  }

  /** A workspace with cold data stays with the strategy that wrote it. */
  private strategyFor(ws: WorkspaceColdState): ColdStorageStrategy {
    return this.strategy(ws.state !== 'none' && ws.strategy ? ws.strategy : this.options.defaultStrategy);
  }

  private strategy(name: string): ColdStorageStrategy {
    const strategy = this.strategies.get(name);
    if (!strategy) throw new Error(`cold storage strategy ${name} is not configured; this workspace's events were archived with it, so configure it to restore them`);
    return strategy;
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 500);
}
