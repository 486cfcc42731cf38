import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { DataSource } from 'typeorm';
import { contributionsTo } from '@permafrost/core';
import {
  contribute, createExtensionPoint, definePlugin, PLUGIN_EMITTER, PluginBootError, WORKSPACE_STATE_STORE,
  type AfterPayload, type BeforePayload, type PermafrostPlugin, type PluginEmitter, type WorkspaceStateStore,
} from '@permafrost/core/plugin';
import {
  ClickHouse, CLICKHOUSE_MIGRATIONS, DATA_LAYER_PLUGIN, INSPECTION_PROVIDERS, PERMAFROST_PROFILE, POSTGRES_CONTRIBUTIONS, SCHEMA_PROFILE, WorkspaceTable,
  type ClickHouseMigration, type ClickHouseMigrations, type SchemaProfile,
} from '@permafrost/backend-lib';
import { ColdStorageService } from './cold-storage-service';
import { COLD_STORAGE_INSPECTION, ColdStorageInspection } from './inspect/provider';
import type { S3Location } from './s3-location';
import { ColdStorageJournal1764000200000 } from './state/journal-migration';
import { ColdStorageState1764000100000 } from './state/migration';
import { tableStrategy } from './strategies/table';
import type { ColdStorageStrategy, StrategyDefinition } from './strategies/types';
import { coldStorageTables, type ColdStorageTables } from './tables';

export const COLD_STORAGE_PLUGIN = 'cold-storage';

/**
 * Extension point: the strategies cold storage can archive and restore with, beside its built-in
 * `table`. Contribute one with `coldStorageStrategy(definition)` (a plugin that also adds its DDL).
 */
export const COLD_STORAGE_STRATEGIES = createExtensionPoint<StrategyDefinition>({ owner: COLD_STORAGE_PLUGIN, name: 'strategies' });

/** The strategies built once per app, shared by the service and inspection (private to this plugin). */
const STRATEGY_INSTANCES = Symbol('cold-storage.strategies');
/** The data layer's profile's table names (a host's own data layer without one: Permafrost's names). */
const TABLES = Symbol('cold-storage.tables');

export interface ColdStorageOptions {
  /** S3 as ClickHouse reaches it: used to prove freed objects are gone, and by object strategies. */
  s3: S3Location;
  /** Strategy for workspaces without cold data; a workspace with cold data keeps the one that wrote it. */
  strategy?: 'table' | string;
  /** Shorthand: cold storage contributes these to COLD_STORAGE_STRATEGIES itself (same as booting `coldStorageStrategy(d)` for each). */
  strategies?: StrategyDefinition[];
  /**
   * Rows per restore page inside a partition (default 100 000). Peak memory follows the page, not the
   * workspace: each page is one insert block the engine sorts in memory (measured: 500 000-row pages took
   * restore peak RSS from 597 MiB at 1M events to 1370 MiB at 5M; pages below a month's size keep it flat).
   */
  pageRows?: number;
  /**
   * Rows one archive or restore statement moves at most (default 1 000 000 for archives, twice that staged
   * per restore batch): the granularity of progress and of what a retry redoes. Smaller costs more
   * statements; larger, a longer redo after a crash.
   */
  batchRows?: number;
  /** Archives and restores running at once across workspaces (default 2). */
  maxConcurrentOperations?: number;
  /** How long a restore waits for the archive's deletes to finish (default 10 min). */
  deleteWaitTimeoutMs?: number;
}

/**
 * Moves a workspace's events to cold storage when it is paused or tombstoned (`after:`, so the platform
 * stops treating it as live at once), and brings them back before it is resumed or untombstoned
 * (`before:`, so it is never active without its events). Both change data, so neither sits in `check:`:
 * a veto from any plugin happens before the restore starts. A failed archive or restore leaves its
 * progress recorded and is finished by retryTransition (both are idempotent per operation).
 */
export function coldStorage(options: ColdStorageOptions): PermafrostPlugin {
  const pageRows = options.pageRows ?? 100_000;
  const own = options.strategies ?? [];
  return definePlugin({
    name: COLD_STORAGE_PLUGIN,
    dependsOn: [DATA_LAYER_PLUGIN],
    provides: [ColdStorageService, ColdStorageInspection],
    contributes: [
      contribute(POSTGRES_CONTRIBUTIONS, { migrations: [ColdStorageState1764000100000, ColdStorageJournal1764000200000] }),
      // DDL of every strategy, so a workspace archived by one can be restored whatever the default is now;
      // table names come from the data layer's schema profile.
      contribute(CLICKHOUSE_MIGRATIONS, (profile: SchemaProfile) => [tableStrategy, ...own].flatMap((d) => migrationsFor(d.migrations, profile))),
      ...own.map((d) => contribute(COLD_STORAGE_STRATEGIES, d)),
      contribute(INSPECTION_PROVIDERS, { name: COLD_STORAGE_INSPECTION, token: ColdStorageInspection }),
    ],
    register(container: DependencyContainer, { extensions }) {
      const definitions = [tableStrategy, ...extensions.get(COLD_STORAGE_STRATEGIES)];
      const names = definitions.map((d) => d.name);
      const duplicate = names.find((n, i) => names.indexOf(n) !== i);
      if (duplicate) throw new PluginBootError(`cold storage strategy ${duplicate} is contributed twice; contribute each strategy once.`, { plugin: COLD_STORAGE_PLUGIN });
      container.register(TABLES, {
        useFactory: instanceCachingFactory((c) => coldStorageTables(c.isRegistered(SCHEMA_PROFILE, true) ? c.resolve<SchemaProfile>(SCHEMA_PROFILE) : PERMAFROST_PROFILE)),
      });
      container.register(STRATEGY_INSTANCES, {
        useFactory: instanceCachingFactory((c) => new Map(definitions.map((d) => [d.name, d.create({ ch: c.resolve(ClickHouse), s3: options.s3, pageRows, batchRows: options.batchRows, tables: c.resolve<ColdStorageTables>(TABLES) })] as const))),
      });
      container.register(ColdStorageInspection, {
        useFactory: instanceCachingFactory((c) => new ColdStorageInspection(
          c.resolve(ClickHouse), c.resolve(DataSource), c.resolve<ReadonlyMap<string, ColdStorageStrategy>>(STRATEGY_INSTANCES), options.s3, options.strategy ?? 'table')),
      });
      container.register(ColdStorageService, {
        useFactory: instanceCachingFactory((c) => new ColdStorageService(
          c.resolve(ClickHouse),
          c.resolve(DataSource),
          c.resolve<WorkspaceStateStore>(WORKSPACE_STATE_STORE),
          c.resolve<ReadonlyMap<string, ColdStorageStrategy>>(STRATEGY_INSTANCES),
          {
            defaultStrategy: options.strategy ?? 'table',
            maxConcurrentOperations: options.maxConcurrentOperations ?? 2,
            deleteWaitTimeoutMs: options.deleteWaitTimeoutMs ?? 10 * 60_000,
            tables: c.resolve<ColdStorageTables>(TABLES),
            workspaceTable: c.resolve(WorkspaceTable),
            onFinished: (event) => c.resolve<PluginEmitter>(PLUGIN_EMITTER).emit('operation:finished', event),
          },
          options.s3,
        )),
      });
    },
    init({ emitter, container }) {
      const service = container.resolve(ColdStorageService);
      const archive = async (p: AfterPayload) => {
        const report = await service.archive(p.workspaceId, { signal: p.signal, progress: p.progress });
        return { note: report.note, detail: { ...report } };
      };
      const restore = async (p: BeforePayload) => {
        const report = await service.restore(p.workspaceId, { signal: p.signal, progress: p.progress });
        return { note: report.note, detail: { ...report } };
      };
      emitter.tap('after:pause', archive, { name: 'archive' });
      emitter.tap('after:tombstone', archive, { name: 'archive' });
      emitter.tap('before:resume', restore, { name: 'restore' });
      emitter.tap('before:untombstone', restore, { name: 'restore' });
    },
  });
}

/** A plugin that adds `definition` to cold storage's strategies (and its DDL to the data layer's migrations). */
export function coldStorageStrategy(definition: StrategyDefinition): PermafrostPlugin {
  return definePlugin({
    name: `cold-storage-strategy-${definition.name}`,
    dependsOn: [COLD_STORAGE_PLUGIN],
    contributes: [contribute(COLD_STORAGE_STRATEGIES, definition), contribute(CLICKHOUSE_MIGRATIONS, definition.migrations)],
  });
}

/** A strategy's DDL for this profile (a list as is, a function called with the profile). */
function migrationsFor(migrations: ClickHouseMigrations, profile: SchemaProfile): readonly ClickHouseMigration[] {
  return typeof migrations === 'function' ? migrations(profile) : migrations;
}

/** Every strategy name cold storage would offer with these extra plugins booted beside it: for a host's choices, before boot. */
export function strategyNames(plugins: readonly PermafrostPlugin[]): string[] {
  return [tableStrategy.name, ...contributionsTo(COLD_STORAGE_STRATEGIES, plugins).map((d) => d.name)];
}
