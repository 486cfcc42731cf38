import type { ClickHouseClient } from '@clickhouse/client';
import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { DataSource } from 'typeorm';
import { createExtensionPoint, definePlugin, WORKSPACE_STATE_STORE, type PermafrostPlugin } from '@permafrost/core/plugin';
import { ClickHouse } from './clickhouse/clickhouse';
import { migrateClickHouse, type ClickHouseMigration } from './clickhouse/migrations';
import { checkCluster, type ClusterOptions } from './clickhouse/cluster';
import { createDataSource, migratePostgres, withMigrationLock, type PostgresContributions } from './db/data-source';
import { userEventsMigrations } from './userEvents/clickhouse';
import { UserEventsService } from './user-events-service';
import { PostgresWorkspaceStateStore, WORKSPACE_LOCK_OPTIONS, type WorkspaceLockOptions } from './workspace-state-store';
import { WorkspaceService } from './workspaces';
import { PgBossTransitionJobs, type PgBossJobsOptions } from './jobs/pg-boss-transition-jobs';
import { TRANSITION_JOBS } from './jobs/transition-jobs';

export const DATA_LAYER_PLUGIN = 'data-layer';

/** Extension point: Postgres entities and migrations other plugins add (`contribute(POSTGRES_CONTRIBUTIONS, …)`); applied at init. */
export const POSTGRES_CONTRIBUTIONS = createExtensionPoint<PostgresContributions>({ owner: DATA_LAYER_PLUGIN, name: 'postgres' });
/** Extension point: ClickHouse migrations other plugins add; the same id twice must carry the same statements. */
export const CLICKHOUSE_MIGRATIONS = createExtensionPoint<ClickHouseMigration[]>({ owner: DATA_LAYER_PLUGIN, name: 'clickhouse-migrations' });

export interface DataLayerOptions {
  postgresUrl: string;
  clickhouse: ClickHouseClient;
  /** Apply Postgres and ClickHouse migrations at boot (default true). */
  migrate?: boolean;
  lockTimeoutMs?: number;
  /** The job queue under asynchronous transitions (pg-boss on the same Postgres; started on first use). */
  jobs?: Omit<PgBossJobsOptions, 'postgresUrl'>;
  /**
   * A ClickHouse cluster: tables are created ON CLUSTER with Replicated engines (README "Running on a
   * ClickHouse cluster"). Also read from PERMAFROST_CLICKHOUSE_CLUSTER by the CLI.
   */
  cluster?: ClusterOptions;
}

/**
 * The data side as a plugin: the ClickHouse wrapper, the Postgres DataSource (with every plugin's
 * entities and migrations), the workspace state store core's executor needs, and the services.
 * Plugins that touch data declare `dependsOn: ['data-layer']`, so its init (migrations) runs first.
 * It provides the tokens below to every plugin and to the app; its other registrations stay private.
 */
export function dataLayer(options: DataLayerOptions): PermafrostPlugin {
  let dataSource: DataSource | undefined;
  const jobs = new PgBossTransitionJobs({ ...options.jobs, postgresUrl: options.postgresUrl });
  return definePlugin({
    name: DATA_LAYER_PLUGIN,
    provides: [ClickHouse, DataSource, WORKSPACE_STATE_STORE, WorkspaceService, UserEventsService, TRANSITION_JOBS],
    register(container: DependencyContainer) {
      container.registerInstance(ClickHouse, new ClickHouse(options.clickhouse, options.cluster ? checkCluster(options.cluster) : undefined));
      container.registerInstance(TRANSITION_JOBS, jobs);
      container.registerInstance<WorkspaceLockOptions>(WORKSPACE_LOCK_OPTIONS, { lockTimeoutMs: options.lockTimeoutMs ?? 15 * 60_000 });
      container.register(WORKSPACE_STATE_STORE, { useClass: PostgresWorkspaceStateStore }, { lifecycle: Lifecycle.ContainerScoped });
      container.register(WorkspaceService, { useClass: WorkspaceService }, { lifecycle: Lifecycle.ContainerScoped });
      container.register(UserEventsService, { useClass: UserEventsService }, { lifecycle: Lifecycle.ContainerScoped });
    },
    async init({ container, logger, extensions }) {
      dataSource = createDataSource(options.postgresUrl, [...extensions.get(POSTGRES_CONTRIBUTIONS)]);
      await dataSource.initialize();
      container.registerInstance(DataSource, dataSource);
      if (options.migrate === false) return;
      const ds = dataSource;
      const { postgres, clickhouse } = await withMigrationLock(ds, async () => ({
        postgres: await migratePostgres(ds),
        clickhouse: await migrateClickHouse(container.resolve(ClickHouse), uniqueMigrations([...userEventsMigrations, ...extensions.get(CLICKHOUSE_MIGRATIONS).flat()])),
      }));
      if (postgres.length + clickhouse.length > 0) logger.info('migrations applied', { postgres, clickhouse });
    },
    async shutdown() {
      await jobs.close();
      await dataSource?.destroy();
    },
  });
}

/** Plugins sharing DDL (a strategy wrapping another) may contribute one migration twice: keep it once, refuse a clash. */
function uniqueMigrations(migrations: ClickHouseMigration[]): ClickHouseMigration[] {
  const byId = new Map<string, ClickHouseMigration>();
  for (const m of migrations) {
    const seen = byId.get(m.id);
    if (seen && seen.statements.join(';') !== m.statements.join(';')) throw new Error(`two plugins declare ClickHouse migration ${m.id} with different statements`);
    byId.set(m.id, m);
  }
  return [...byId.values()];
}
