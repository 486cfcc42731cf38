import type { ClickHouseClient } from '@clickhouse/client';
import { Lifecycle, type DependencyContainer } from 'tsyringe';
import { DataSource } from 'typeorm';
import { definePlugin, WORKSPACE_STATE_STORE, type PermafrostPlugin } from '@permafrost/core';
import { ClickHouse } from './clickhouse/clickhouse';
import { migrateClickHouse, type ClickHouseMigration } from './clickhouse/migrations';
import { createDataSource, migratePostgres, type PostgresContributions } from './db/data-source';
import { userEventsMigrations } from './userEvents/clickhouse';
import { UserEventsService } from './user-events-service';
import { PostgresWorkspaceStateStore, WORKSPACE_LOCK_OPTIONS, type WorkspaceLockOptions } from './workspace-state-store';
import { WorkspaceService } from './workspaces';

export const DATA_LAYER_PLUGIN = 'data-layer';

/** Plugins register values under these tokens in `register()`; the data layer applies them at init. */
export const POSTGRES_CONTRIBUTIONS = Symbol.for('permafrost.PostgresContributions');
export const CLICKHOUSE_MIGRATIONS = Symbol.for('permafrost.ClickHouseMigrations');

export interface DataLayerOptions {
  postgresUrl: string;
  clickhouse: ClickHouseClient;
  /** Apply Postgres and ClickHouse migrations at boot (default true). */
  migrate?: boolean;
  lockTimeoutMs?: number;
}

/**
 * The data side as a plugin: the ClickHouse wrapper, the Postgres DataSource (with every plugin's
 * entities and migrations), the workspace state store core's executor needs, and the services.
 * Plugins that touch data declare `dependsOn: ['data-layer']`, so its init (migrations) runs first.
 */
export function dataLayer(options: DataLayerOptions): PermafrostPlugin {
  let dataSource: DataSource | undefined;
  return definePlugin({
    name: DATA_LAYER_PLUGIN,
    register(container: DependencyContainer) {
      container.registerInstance(ClickHouse, new ClickHouse(options.clickhouse));
      container.register(CLICKHOUSE_MIGRATIONS, { useValue: userEventsMigrations });
      container.registerInstance<WorkspaceLockOptions>(WORKSPACE_LOCK_OPTIONS, { lockTimeoutMs: options.lockTimeoutMs ?? 15 * 60_000 });
      container.register(WORKSPACE_STATE_STORE, { useClass: PostgresWorkspaceStateStore }, { lifecycle: Lifecycle.ContainerScoped });
      container.register(WorkspaceService, { useClass: WorkspaceService }, { lifecycle: Lifecycle.ContainerScoped });
      container.register(UserEventsService, { useClass: UserEventsService }, { lifecycle: Lifecycle.ContainerScoped });
    },
    async init({ container, logger }) {
      const contributions = container.isRegistered(POSTGRES_CONTRIBUTIONS, true)
        ? container.resolveAll<PostgresContributions>(POSTGRES_CONTRIBUTIONS)
        : [];
      dataSource = createDataSource(options.postgresUrl, contributions);
      await dataSource.initialize();
      container.registerInstance(DataSource, dataSource);
      if (options.migrate === false) return;
      const postgres = await migratePostgres(dataSource);
      const migrations = container.resolveAll<ClickHouseMigration[]>(CLICKHOUSE_MIGRATIONS).flat();
      const clickhouse = await migrateClickHouse(container.resolve(ClickHouse), migrations);
      if (postgres.length + clickhouse.length > 0) logger.info('migrations applied', { postgres, clickhouse });
    },
    async shutdown() {
      await dataSource?.destroy();
    },
  });
}
