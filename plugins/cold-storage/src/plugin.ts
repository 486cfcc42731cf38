import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { DataSource } from 'typeorm';
import { definePlugin, WORKSPACE_STATE_STORE, type PermafrostPlugin, type TransitionContext, type WorkspaceStateStore } from '@permafrost/core';
import { ClickHouse, CLICKHOUSE_MIGRATIONS, DATA_LAYER_PLUGIN, POSTGRES_CONTRIBUTIONS, type ClickHouseMigration } from '@permafrost/backend-lib';
import { ColdStorageService } from './cold-storage-service';
import type { S3Location } from './s3-location';
import { ColdStorageState1764000100000 } from './state/migration';
import { ColdStorageJournal1764000200000 } from './state/journal-migration';
import { tableStrategy } from './strategies/table';
import type { StrategyDefinition } from './strategies/types';

export const COLD_STORAGE_PLUGIN = 'cold-storage';

export interface ColdStorageOptions {
  /** S3 as ClickHouse reaches it: used to prove freed objects are gone, and by object strategies. */
  s3: S3Location;
  /** Strategy for workspaces without cold data; a workspace with cold data keeps the one that wrote it. */
  strategy?: 'table' | string;
  /** Extra strategies beside the built-in `table` (e.g. `parquetStrategy`, or your own). */
  strategies?: StrategyDefinition[];
  /**
   * Rows per restore page inside a partition (default 100 000). Peak memory follows the page, not the
   * workspace: each page is one insert block the engine sorts in memory (measured: 500 000-row pages took
   * restore peak RSS from 597 MiB at 1M events to 1370 MiB at 5M; pages below a month's size keep it flat).
   */
  pageRows?: number;
  /** Archives and restores running at once across workspaces (default 2). */
  maxConcurrentOperations?: number;
  /** How long a restore waits for the archive's deletes to finish (default 10 min). */
  deleteWaitTimeoutMs?: number;
}

/**
 * Moves a workspace's events to cold storage when it is paused or tombstoned (after the status change,
 * so the platform stops treating it as live at once), and brings them back before it is resumed or
 * untombstoned (so it is never active without its events). A failed archive leaves every hot row and is
 * finished by retryTransition; a failed restore vetoes the resume and leaves the cold copy.
 */
export function coldStorage(options: ColdStorageOptions): PermafrostPlugin {
  const definitions = [tableStrategy, ...(options.strategies ?? [])];
  const names = definitions.map((d) => d.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`cold storage strategy ${duplicate} is given twice`);
  const pageRows = options.pageRows ?? 100_000;

  return definePlugin({
    name: COLD_STORAGE_PLUGIN,
    dependsOn: [DATA_LAYER_PLUGIN],
    register(container: DependencyContainer) {
      container.register(POSTGRES_CONTRIBUTIONS, { useValue: { migrations: [ColdStorageState1764000100000, ColdStorageJournal1764000200000] } });
      // DDL of every strategy, so a workspace archived by one can be restored whatever the default is now.
      container.register(CLICKHOUSE_MIGRATIONS, { useValue: uniqueMigrations(definitions.flatMap((d) => d.migrations)) });
      container.register(ColdStorageService, {
        useFactory: instanceCachingFactory((c) => new ColdStorageService(
          c.resolve(ClickHouse),
          c.resolve(DataSource),
          c.resolve<WorkspaceStateStore>(WORKSPACE_STATE_STORE),
          new Map(definitions.map((d) => [d.name, d.create({ ch: c.resolve(ClickHouse), s3: options.s3, pageRows })] as const)),
          {
            defaultStrategy: options.strategy ?? 'table',
            maxConcurrentOperations: options.maxConcurrentOperations ?? 2,
            deleteWaitTimeoutMs: options.deleteWaitTimeoutMs ?? 10 * 60_000,
          },
        )),
      });
    },
    init({ hooks, container }) {
      const service = container.resolve(ColdStorageService);
      const archive = async (ctx: TransitionContext) => {
        const report = await service.archive(ctx.workspaceId, { signal: ctx.signal, progress: ctx.progress });
        return { note: report.note, detail: { ...report } };
      };
      const restore = async (ctx: TransitionContext) => {
        const report = await service.restore(ctx.workspaceId, { signal: ctx.signal, progress: ctx.progress });
        return { note: report.note, detail: { ...report } };
      };
      hooks.tap('after:pause', archive, { name: 'archive' });
      hooks.tap('after:tombstone', archive, { name: 'archive' });
      hooks.tap('before:resume', restore, { name: 'restore' });
      hooks.tap('before:untombstone', restore, { name: 'restore' });
    },
  });
}

/** Strategies that wrap another (e.g. to add behaviour) share its DDL: the same migration once is enough. */
function uniqueMigrations(migrations: ClickHouseMigration[]): ClickHouseMigration[] {
  const byId = new Map<string, ClickHouseMigration>();
  for (const m of migrations) {
    const seen = byId.get(m.id);
    if (seen && seen.statements.join(';') !== m.statements.join(';')) throw new Error(`two cold storage strategies declare ClickHouse migration ${m.id} with different statements`);
    byId.set(m.id, m);
  }
  return [...byId.values()];
}
