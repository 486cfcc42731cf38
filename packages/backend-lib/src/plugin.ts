import type { ClickHouseClient } from '@clickhouse/client';
import { instanceCachingFactory, Lifecycle, type DependencyContainer } from 'tsyringe';
import { DataSource } from 'typeorm';
import { createExtensionPoint, definePlugin, PluginBootError, WORKSPACE_STATE_STORE, type PermafrostPlugin, type RegisterContext } from '@permafrost/core/plugin';
import { ClickHouse } from './clickhouse/clickhouse';
import { migrateClickHouse, type ClickHouseMigration } from './clickhouse/migrations';
import { checkCluster, type ClusterOptions } from './clickhouse/cluster';
import { createDataSource, ensureOwnSchema, migratePostgres, withMigrationLock, type PostgresContributions } from './db/data-source';
import { checkEventTables } from './schema-profile/check-event-tables';
import { resolveSchemaProfile } from './schema-profile/resolve';
import type { SchemaProfile, SchemaProfileName } from './schema-profile/types';
import { UserEventsService } from './user-events-service';
import { PostgresWorkspaceStateStore, WORKSPACE_LOCK_OPTIONS, type WorkspaceLockOptions } from './workspace-state-store';
import { WorkspaceService } from './workspaces';
import { PgBossTransitionJobs, type PgBossJobsOptions } from './jobs/pg-boss-transition-jobs';
import { TRANSITION_JOBS } from './jobs/transition-jobs';
import { SCHEMA_PROFILE, WorkspaceTable } from './workspace-table';
import { INSPECTION_PROVIDER_LIST, WorkspaceInspector } from './inspection/inspector';
import { LIFECYCLE_SOURCE } from './inspection/transition-history';
import type { InspectionProvider, InspectionProviderRef } from './inspection/types';

export const DATA_LAYER_PLUGIN = 'data-layer';

/** Extension point: Postgres entities and migrations other plugins add (`contribute(POSTGRES_CONTRIBUTIONS, …)`); applied at init. */
export const POSTGRES_CONTRIBUTIONS = createExtensionPoint<PostgresContributions>({ owner: DATA_LAYER_PLUGIN, name: 'postgres' });
/**
 * ClickHouse migrations a plugin adds: a list, or a function of the data layer's schema profile for DDL
 * that names the profile's tables (cold storage's cold tables are named per profile).
 */
export type ClickHouseMigrations = readonly ClickHouseMigration[] | ((profile: SchemaProfile) => readonly ClickHouseMigration[]);
/** Extension point: ClickHouse migrations other plugins add; the same id twice must carry the same statements. */
export const CLICKHOUSE_MIGRATIONS = createExtensionPoint<ClickHouseMigrations>({ owner: DATA_LAYER_PLUGIN, name: 'clickhouse-migrations' });
/**
 * Extension point: what plugins add to WorkspaceInspector (history entries, stores that hold data, their
 * latest operation). Contribute `{ name, token }` and register `token` (listed in `provides`).
 */
export const INSPECTION_PROVIDERS = createExtensionPoint<InspectionProviderRef>({ owner: DATA_LAYER_PLUGIN, name: 'inspection' });

export interface DataLayerOptions {
  postgresUrl: string;
  clickhouse: ClickHouseClient;
  /** Apply Postgres and ClickHouse migrations at boot (default true). */
  migrate?: boolean;
  lockTimeoutMs?: number;
  /** The job queue under asynchronous transitions (pg-boss on the same Postgres; started on first use). */
  jobs?: Omit<PgBossJobsOptions, 'postgresUrl'>;
  /**
   * Whose tables these are: `permafrost` (default, our own schema), `dittofeed` (a Dittofeed installation's
   * `"Workspace"` and event tables; give a ClickHouse client in Dittofeed's database), or a profile object.
   */
  schema?: SchemaProfileName | SchemaProfile;
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
  // Resolved (and its names checked) here, where the app is wired: a bad profile fails before any boot.
  const profile = resolveSchemaProfile(options.schema);
  const jobs = new PgBossTransitionJobs({ schema: profile.postgres.jobsSchema, ...options.jobs, postgresUrl: options.postgresUrl });
  return definePlugin({
    name: DATA_LAYER_PLUGIN,
    provides: [ClickHouse, DataSource, WORKSPACE_STATE_STORE, WorkspaceService, UserEventsService, TRANSITION_JOBS, SCHEMA_PROFILE, WorkspaceTable, WorkspaceInspector],
    register(container: DependencyContainer, { extensions }: RegisterContext) {
      container.registerInstance(SCHEMA_PROFILE, profile);
      container.registerInstance(ClickHouse, new ClickHouse(options.clickhouse, options.cluster ? checkCluster(options.cluster) : undefined));
      container.register(WorkspaceTable, { useClass: WorkspaceTable }, { lifecycle: Lifecycle.ContainerScoped });
      registerInspection(container, extensions.get(INSPECTION_PROVIDERS));
      container.registerInstance(TRANSITION_JOBS, jobs);
      container.registerInstance<WorkspaceLockOptions>(WORKSPACE_LOCK_OPTIONS, { lockTimeoutMs: options.lockTimeoutMs ?? 15 * 60_000 });
      container.register(WORKSPACE_STATE_STORE, { useClass: PostgresWorkspaceStateStore }, { lifecycle: Lifecycle.ContainerScoped });
      container.register(WorkspaceService, { useClass: WorkspaceService }, { lifecycle: Lifecycle.ContainerScoped });
      container.register(UserEventsService, { useClass: UserEventsService }, { lifecycle: Lifecycle.ContainerScoped });
    },
    async init({ container, logger, extensions }) {
      dataSource = createDataSource(options.postgresUrl, [...extensions.get(POSTGRES_CONTRIBUTIONS)], profile);
      await dataSource.initialize();
      container.registerInstance(DataSource, dataSource);
      const ch = container.resolve(ClickHouse);
      // The hot tables hold exactly what the profile moves, or the boot stops (see checkEventTables). A
      // platform's are checked before anything is migrated — pointed at the wrong database, the boot stops
      // with SCHEMA_MISMATCH having created nothing there — and our migrations change none of their columns
      // (a setting at most); our own profile's tables exist only after its migrations, checked then.
      const ownsTables = !profile.clickhouse.platformOwnsEventTables;
      if (!ownsTables) await checkEventTables(ch, profile);
      if (options.migrate !== false) {
        const ds = dataSource;
        const contributed = extensions.get(CLICKHOUSE_MIGRATIONS).flatMap((m) => (typeof m === 'function' ? m(profile) : m));
        const { postgres, clickhouse } = await withMigrationLock(ds, async () => {
          await ensureOwnSchema(ds, profile);
          return {
            postgres: await migratePostgres(ds),
            clickhouse: await migrateClickHouse(ch, uniqueMigrations([...profile.clickhouse.migrations, ...contributed])),
          };
        });
        if (postgres.length + clickhouse.length > 0) logger.info('migrations applied', { schema: profile.name, postgres, clickhouse });
      }
      if (ownsTables) await checkEventTables(ch, profile);
    },
    async shutdown() {
      await jobs.close();
      await dataSource?.destroy();
    },
  });
}

/** WorkspaceInspector and the providers it asks; a name used twice (or the data layer's own) fails the boot. */
function registerInspection(container: DependencyContainer, refs: readonly InspectionProviderRef[]): void {
  const names = [LIFECYCLE_SOURCE, ...refs.map((r) => r.name)];
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new PluginBootError(`inspection provider ${duplicate} is contributed twice (or clashes with the data layer's own); give each provider its own name.`, { plugin: DATA_LAYER_PLUGIN });
  // Resolved on first use: contributors register their providers in their own containers, after this one.
  container.register(INSPECTION_PROVIDER_LIST, { useFactory: instanceCachingFactory((c) => refs.map((r) => c.resolve<InspectionProvider>(r.token))) });
  container.register(WorkspaceInspector, { useClass: WorkspaceInspector }, { lifecycle: Lifecycle.ContainerScoped });
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
