import pLimit from 'p-limit';
import type { DataSource } from 'typeorm';
import { ConflictError, InvalidInputError, NotFoundError, type ProgressUpdate, type WorkspaceStateStore } from '@permafrost/core';
import { assertWorkspaceId, withQueryIdPrefix, type ClickHouse, type WorkspaceTable } from '@permafrost/backend-lib';
import { firstLine, typedFailure, typedFailures } from './failures';
import { HotEvents, monthsOf } from './hot-events';
import { collectOrphanObjects, type OrphanReport } from './orphans';
import type { S3Location } from './s3-location';
import type { ArchiveReport, ColdStoragePlan, RestoreReport } from './reports';
import { ColdStorageJournal, type ColdStorageOperation, type WorkspaceColdState } from './state/journal';
import type { ColdStorageStrategy, ColdTableCapacity, HotDigests, MonthArchived, MonthRestored, OperationContext, PartitionStats } from './strategies/types';
import type { EventTable, RowDigest } from './rows';
import type { OperationFinished } from '@permafrost/core';
import { operationFinished, type OperationTotals } from './operation-finished';
import type { ColdStorageTables } from './tables';

export interface RunOptions {
  signal?: AbortSignal;
  progress?: (update: ProgressUpdate) => void;
}

/** What moving a workspace's cold copy from one strategy to another did. */
export interface StrategyMigrationReport {
  workspaceId: string;
  outcome: 'migrated' | 'noop';
  from: string;
  to: string;
  /** The restore out of the old strategy (absent when a previous attempt had already finished it). */
  restore?: RestoreReport;
  archive?: ArchiveReport;
  note: string;
  durationMs: number;
}

export interface ColdStorageServiceOptions {
  defaultStrategy: string;
  maxConcurrentOperations: number;
  deleteWaitTimeoutMs: number;
  /** Told of every completed operation (the plugin publishes it as `operation:finished`). */
  onFinished?: (event: OperationFinished) => void;
  /** The data layer's hot tables (and cold names), from its schema profile. */
  tables: ColdStorageTables;
  /** The data layer's workspace table: where cold_storage_state lives. */
  workspaceTable: WorkspaceTable;
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
  private readonly journal: ColdStorageJournal;
  private readonly hot: HotEvents;

  constructor(
    private readonly ch: ClickHouse,
    dataSource: DataSource,
    private readonly lifecycleStore: WorkspaceStateStore,
    private readonly strategies: ReadonlyMap<string, ColdStorageStrategy>,
    private readonly options: ColdStorageServiceOptions,
    private readonly s3: S3Location,
  ) {
    if (!strategies.has(options.defaultStrategy)) throw new Error(`unknown cold storage strategy ${options.defaultStrategy}; known: ${[...strategies.keys()].join(', ')}`);
    this.limit = pLimit(options.maxConcurrentOperations);
    this.journal = new ColdStorageJournal(dataSource, options.workspaceTable);
    this.hot = new HotEvents(ch, options.tables);
  }

  async sendWorkspaceEventsToColdStorage(workspaceId: string, options: RunOptions = {}): Promise<ArchiveReport> {
    assertWorkspaceId(workspaceId);
    return this.lifecycleStore.withWorkspaceLock(workspaceId, () => this.archive(workspaceId, options));
  }

  /**
   * Archives the hot rows of a Paused or Tombstoned workspace: events that writers outside Permafrost
   * sent after its archive (they stay hot until this runs; reconcile schedules it). They join the cold
   * months they belong to, exactly. An Active workspace is refused: its events are live.
   */
  async archiveLateEvents(workspaceId: string, options: RunOptions = {}): Promise<ArchiveReport> {
    assertWorkspaceId(workspaceId);
    return this.lifecycleStore.withWorkspaceLock(workspaceId, async () => {
      const ws = await this.workspaceState(workspaceId);
      if (ws.status === 'Active') {
        throw new ConflictError(`Workspace ${workspaceId} is Active: its events are live and stay hot. Pause or tombstone it to move them to cold storage; nothing was changed.`, { workspaceId });
      }
      return this.archive(workspaceId, options);
    });
  }

  /**
   * Moves a Paused or Tombstoned workspace's cold copy to another strategy: a verified restore out of the
   * old one, then a verified archive into the new one, under the workspace lock. Resumable: each half is
   * an operation of the journal, so running it again after a crash finishes whichever half was
   * interrupted. Between the halves the events are hot (as if late events had arrived): never in two
   * strategies at once.
   */
  async migrateStrategy(workspaceId: string, to: string, options: RunOptions = {}): Promise<StrategyMigrationReport> {
    assertWorkspaceId(workspaceId);
    if (!this.strategies.has(to)) {
      throw new InvalidInputError(`Cold storage strategy '${to}' is not configured (configured: ${[...this.strategies.keys()].join(', ')}). Nothing was changed.`, { workspaceId });
    }
    return this.lifecycleStore.withWorkspaceLock(workspaceId, async () => {
      const started = Date.now();
      const ws = await this.workspaceState(workspaceId);
      if (ws.status === 'Active') {
        throw new ConflictError(`Workspace ${workspaceId} is Active: its events are hot and it has no cold copy to migrate. Nothing was changed.`, { workspaceId });
      }
      const from = this.strategyFor(ws).name;
      const holdsCold = ws.state !== 'none' && ws.strategy !== null;
      const restore = holdsCold && from !== to ? await this.restore(workspaceId, options) : undefined;
      const archive = await this.archive(workspaceId, { ...options, strategy: to });
      const outcome = restore?.outcome === 'restored' || archive.outcome === 'archived' ? 'migrated' : 'noop';
      return {
        workspaceId, outcome, from, to, restore, archive, durationMs: Date.now() - started,
        note: outcome === 'noop' ? `nothing to migrate: the workspace's cold copy is already in ${to}` : `moved ${archive.rows} events from ${from} to ${to} cold storage`,
      };
    });
  }

  /** Deletes cold-disk objects no table references (see collectOrphanObjects); a fleet maintenance job. */
  async collectOrphans(options: { graceMs?: number; dryRun?: boolean } = {}): Promise<OrphanReport> {
    return collectOrphanObjects(this.ch, this.s3, { graceMs: options.graceMs ?? 60 * 60_000, dryRun: options.dryRun ?? false });
  }

  /**
   * Parts used vs allowed in each cold table with a part limit (the table strategy's), read from table
   * metadata only: cheap enough for a status page, whatever the fleet's size.
   */
  async coldCapacity(): Promise<ColdTableCapacity[]> {
    const byTable = new Map<string, ColdTableCapacity>();
    for (const strategy of this.strategies.values()) {
      for (const table of (await strategy.capacity?.()) ?? []) byTable.set(table.table, table);
    }
    return [...byTable.values()];
  }

  async restoreWorkspaceEventsFromColdStorage(workspaceId: string, options: RunOptions = {}): Promise<RestoreReport> {
    assertWorkspaceId(workspaceId);
    return this.lifecycleStore.withWorkspaceLock(workspaceId, () => this.restore(workspaceId, options));
  }

  /**
   * Hot and cold user events of many workspaces, for fleet-wide checks (reconcile): grouped reads per
   * chunk of ids instead of a plan per workspace, whose metadata reads grow with the fleet's cold parts.
   * Cold rows come from every configured strategy that counts in bulk; a workspace whose cold copy lives
   * in a strategy that cannot (parquet) is planned on its own, but only when its journal says it holds one.
   */
  async fleetRows(workspaces: ReadonlyArray<{ id: string; coldStorageState: string; coldStorageStrategy: string | null }>): Promise<Map<string, { hot: number; cold: number }>> {
    const ids = workspaces.map((w) => w.id);
    for (const id of ids) assertWorkspaceId(id);
    const hot = await this.hot.rowsOf(ids);
    const cold = new Map<string, number>();
    const bulk = [...this.strategies.values()].filter((s) => s.coldRowsOf);
    for (const strategy of bulk) for (const [id, n] of await strategy.coldRowsOf!(ids)) cold.set(id, (cold.get(id) ?? 0) + n);
    const oneByOne = workspaces.filter((w) => w.coldStorageState !== 'none' && w.coldStorageStrategy !== null && !this.strategies.get(w.coldStorageStrategy)?.coldRowsOf);
    for (const w of oneByOne) {
      const strategy = this.strategies.get(w.coldStorageStrategy!);
      if (strategy) cold.set(w.id, (cold.get(w.id) ?? 0) + sum(await strategy.coldPartitions(w.id), 'rows'));
    }
    return new Map(ids.map((id) => [id, { hot: hot.get(id) ?? 0, cold: cold.get(id) ?? 0 }]));
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
        // An Active workspace's hot events are live: nothing to archive until it is paused or tombstoned.
        return hasHot && ws.status !== 'Active' ? 'archive' : 'none';
      case 'archiving':
        return 'archive';
      case 'restoring':
        return 'restore';
      case 'failed':
        return (await this.journal.latestOperation(workspaceId))?.kind ?? 'none';
    }
  }

  async status(workspaceId: string): Promise<WorkspaceColdState & { lastOperation?: ColdStorageOperation }> {
    assertWorkspaceId(workspaceId);
    return { ...(await this.workspaceState(workspaceId)), lastOperation: await this.journal.latestOperation(workspaceId) };
  }

  /** Resolves once the workspace's archived hot rows are really gone (the deletes run in the background). */
  async settle(workspaceId: string): Promise<void> {
    assertWorkspaceId(workspaceId);
    await this.awaitDeletes(workspaceId);
  }

  /** Waits for the workspace's background deletes. */
  private async awaitDeletes(workspaceId: string, signal: AbortSignal = new AbortController().signal): Promise<void> {
    await this.hot.waitForDeletes(workspaceId, this.options.deleteWaitTimeoutMs, signal);
  }

  /** Caller holds the workspace lock. */
  async archive(workspaceId: string, options: RunOptions & { strategy?: string } = {}): Promise<ArchiveReport> {
    assertWorkspaceId(workspaceId);
    return this.limit(() => typedFailures(workspaceId, 'archive', () => this.runArchive(workspaceId, options)));
  }

  /** Caller holds the workspace lock. */
  async restore(workspaceId: string, options: RunOptions = {}): Promise<RestoreReport> {
    assertWorkspaceId(workspaceId);
    return this.limit(() => typedFailures(workspaceId, 'restore', () => this.runRestore(workspaceId, options)));
  }

  private async runArchive(workspaceId: string, options: RunOptions & { strategy?: string }): Promise<ArchiveReport> {
    const started = Date.now();
    const signal = options.signal ?? new AbortController().signal;
    // A restore that stopped half-way is finished first: every month is then hot exactly once, and the
    // archive below takes all of it. Unpicking it instead would need to know which copy is which.
    const latest = await this.journal.latestOperation(workspaceId);
    if (latest?.kind === 'restore' && isUnfinished(latest)) await this.runRestore(workspaceId, options);
    // A previous archive's deletes still running would show rows that are already cold.
    await this.awaitDeletes(workspaceId, signal);
    let op = await this.unfinished(workspaceId, 'archive');
    let digests: HotDigests | undefined;
    if (!op) {
      const ws = await this.workspaceState(workspaceId);
      const strategy = options.strategy ? this.strategyForArchive(workspaceId, ws, options.strategy) : this.strategyFor(ws);
      const snapshot = await this.hot.snapshot();
      // The digests the copies are checked against also say which months there are: one read, not two.
      digests = await this.hot.monthDigests(workspaceId, snapshot);
      const months = monthsOf(digests);
      if (months.length === 0) {
        const coldMonths = await strategy.coldPartitions(workspaceId);
        const note = coldMonths.length > 0 ? 'already archived: no hot events to move' : 'nothing to archive: the workspace has no events';
        return { workspaceId, outcome: 'noop', note, strategy: strategy.name, months: [], rows: 0, internalRows: 0, bytes: 0, stayedHot: 0, durationMs: Date.now() - started };
      }
      // Before anything is recorded or copied: storage with a hard limit refuses here, typed, not
      // half-way through the copy with the engine's raw error.
      await strategy.admit?.(workspaceId, months);
      op = await this.journal.begin(workspaceId, 'archive', strategy.name, snapshot, months);
    }
    const strategy = this.strategy(op.strategy);
    const snapshot = op.snapshot!;
    const ctx = this.context(op, options, signal, 'archive', op.months.length, digests);
    const archived: ArchiveReport['months'] = [];
    let internalRows = 0;
    const record = (result: MonthArchived) => {
      archived.push({ month: result.month, rows: result.copied.events, bytes: result.bytes, checksum: result.digest.checksum });
      internalRows += result.copied.internal;
      ctx.report({ month: result.month, rows: result.copied.events, bytes: result.bytes });
    };
    const { archiver } = strategy;
    if (archiver.archiveMonths) await this.failing(op, () => archiver.archiveMonths!(ctx, op.months, record));
    else for (const month of op.months) record(await this.failing(op, () => archiver.archiveMonth(ctx, month)));
    archived.sort((a, b) => a.month - b.month);
    // Every month is verified: only now do the hot rows go, exactly those under the snapshot.
    await this.failing(op, () => this.hot.deleteArchived(workspaceId, snapshot));
    const rows = archived.reduce((n, m) => n + m.rows, 0);
    const bytes = archived.reduce((n, m) => n + m.bytes, 0);
    await this.complete(op, { rows, bytes, internalRows }, started);
    const stayedHot = await this.hot.countAfter(workspaceId, snapshot);
    return {
      workspaceId, outcome: 'archived', operationId: op.id, strategy: strategy.name, snapshot, months: archived, rows, internalRows, bytes, stayedHot,
      note: `archived ${rows} events (${internalRows} internal) in ${archived.length} partitions to ${strategy.name} cold storage${stayedHot ? `; ${stayedHot} newer events stay hot` : ''}`,
      durationMs: Date.now() - started,
    };
  }

  private async runRestore(workspaceId: string, options: RunOptions): Promise<RestoreReport> {
    const started = Date.now();
    const signal = options.signal ?? new AbortController().signal;
    // An archive that stopped half-way is finished first (its copies are verified and its deletes exact),
    // then reversed: simpler and as safe as unpicking it.
    const latest = await this.journal.latestOperation(workspaceId);
    if (latest?.kind === 'archive' && isUnfinished(latest)) await this.runArchive(workspaceId, options);
    let op = await this.unfinished(workspaceId, 'restore');
    if (!op) {
      const ws = await this.workspaceState(workspaceId);
      const strategy = this.strategyFor(ws);
      const months = await strategy.coldPartitions(workspaceId);
      if (months.length === 0) {
        if (ws.state !== 'none') await this.journal.markEmpty(workspaceId);
        return { workspaceId, outcome: 'noop', note: 'nothing to restore: the workspace has no cold events', strategy: strategy.name, months: [], rows: 0, objectsFreed: 0, objectsChecked: 0, objectsLeft: 0, durationMs: Date.now() - started };
      }
      op = await this.journal.begin(workspaceId, 'restore', strategy.name, null, months.map((m) => m.month));
    }
    const current = op;
    const strategy = this.strategy(current.strategy);
    // Not needed for exactness (restored parts are moved in after the deletes' snapshot), but a hot
    // count taken before the archive's deletes finish would count its rows twice.
    await this.failing(current, () => this.awaitDeletes(workspaceId, signal));
    const ctx = this.context(current, options, signal, 'restore', current.months.length);
    const restored: RestoreReport['months'] = [];
    const freedKeys: string[] = [];
    const record = (result: MonthRestored) => {
      restored.push({ month: result.month, rows: result.digest.rows, checksum: result.digest.checksum, pages: result.pages });
      freedKeys.push(...result.freedKeys);
      ctx.report({ month: result.month, rows: result.digest.rows, bytes: 0 });
    };
    const { restorer } = strategy;
    if (restorer.restoreMonths) await this.failing(current, () => restorer.restoreMonths!(ctx, current.months, record));
    else for (const month of current.months) record(await this.failing(current, () => restorer.restoreMonth(ctx, month)));
    restored.sort((a, b) => a.month - b.month);
    const { objectsLeft, objectsChecked } = await this.failing(current, () => strategy.restorer.finish(ctx, freedKeys));
    const rows = restored.reduce((n, m) => n + m.rows, 0);
    await this.complete(current, { rows }, started);
    return {
      workspaceId, outcome: 'restored', operationId: current.id, strategy: strategy.name, months: restored, rows,
      objectsFreed: freedKeys.length, objectsChecked, objectsLeft,
      note: `restored ${rows} events from ${restored.length} partitions; freed their cold copy (${freedKeys.length} parts or objects${objectsLeft ? `, ${objectsLeft} not removed yet` : ''})`,
      durationMs: Date.now() - started,
    };
  }

  /**
   * The latest operation if it is unfinished and of this kind (taken up again). An unfinished operation
   * of the other kind was finished by the caller before it got here.
   */
  private async unfinished(workspaceId: string, kind: 'archive' | 'restore'): Promise<ColdStorageOperation | undefined> {
    const op = await this.journal.latestOperation(workspaceId);
    if (!op || !isUnfinished(op) || op.kind !== kind) return undefined;
    // An earlier attempt whose process died may have left a statement running on a ClickHouse server
    // (an INSERT goes on after its client is gone): stopped before this attempt drops or rewrites what it
    // writes into. The embedded engine dies with its process, so there it finds nothing.
    await this.ch.stopQueries(operationQueryPrefix(op.id));
    await this.journal.resume(op);
    return op;
  }

  /** The one place an operation completes: journaled first, then observers are told. */
  private async complete(op: ColdStorageOperation, totals: OperationTotals, started: number): Promise<void> {
    await this.journal.complete(op, totals);
    this.options.onFinished?.(operationFinished(op, totals, Date.now() - started));
  }

  private context(op: ColdStorageOperation, options: RunOptions, signal: AbortSignal, step: 'archive' | 'restore', total: number, digests?: HotDigests): OperationContext {
    let done = 0;
    const started = Date.now();
    const snapshot = op.snapshot ?? { events: '0', internal: '0' };
    // A retry (no digests from the first visit) reads each table's once, when a strategy first asks.
    const read = new Map<EventTable['kind'], Promise<ReadonlyMap<number, RowDigest>>>();
    return {
      workspaceId: op.workspaceId, operationId: op.id, snapshot, months: op.months,
      steps: this.journal.steps(op.id),
      hotDigests: (table) => {
        if (digests) return Promise.resolve(digests[table.kind]);
        if (!read.has(table.kind)) read.set(table.kind, this.hot.monthDigestsOf(op.workspaceId, snapshot, table));
        return read.get(table.kind)!;
      },
      archivedDigest: (table, month) => this.journal.archivedDigest(op.workspaceId, table, month),
      signal,
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
      // Every statement of the step carries a query id naming the operation (see unfinished()).
      return await withQueryIdPrefix(operationQueryPrefix(op.id), step);
    } catch (err) {
      const typed = typedFailure(err, op.workspaceId, op.kind);
      await this.journal.fail(op, firstLine(typed), (typed as { code?: string }).code ?? 'ERROR');
      throw typed;
    }
  }

  private async workspaceState(workspaceId: string): Promise<WorkspaceColdState> {
    const ws = await this.journal.workspaceState(workspaceId);
    if (!ws) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    return ws;
  }

  /** A workspace with cold data stays with the strategy that wrote it. */
  /** An explicit strategy for a new archive, refused while the workspace's cold copy lives in another one. */
  private strategyForArchive(workspaceId: string, ws: WorkspaceColdState, name: string): ColdStorageStrategy {
    const current = this.strategyFor(ws);
    if (ws.state !== 'none' && current.name !== name) {
      throw new ConflictError(`Workspace ${workspaceId}'s cold copy is in the ${current.name} strategy; restore it first (or use migrateStrategy) before archiving with ${name}. Nothing was changed.`, { workspaceId });
    }
    return this.strategy(name);
  }

  private strategyFor(ws: WorkspaceColdState): ColdStorageStrategy {
    return this.strategy(ws.state !== 'none' && ws.strategy ? ws.strategy : this.options.defaultStrategy);
  }

  private strategy(name: string): ColdStorageStrategy {
    const strategy = this.strategies.get(name);
    if (!strategy) throw new Error(`cold storage strategy ${name} is not configured; this workspace's events were archived with it, so configure it to restore them`);
    return strategy;
  }
}

function isUnfinished(op: ColdStorageOperation): boolean {
  return op.state === 'running' || op.state === 'failed';
}

/** Query ids of an operation's statements start with this (lowercase: operation ids are UUIDs). */
export function operationQueryPrefix(operationId: string): string {
  return `permafrost-op-${operationId.toLowerCase()}-`;
}
