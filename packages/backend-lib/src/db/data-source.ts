import { DataSource, type MixedList } from 'typeorm';
import { backendEntities } from './schema';
import { CreateWorkspace1764000000000 } from './migrations/1764000000000-CreateWorkspace';
import { TransitionCompletedHooks1764000300000 } from './migrations/1764000300000-TransitionCompletedHooks';
import { WorkspaceColdStorageColumns1764000050000 } from './migrations/1764000050000-WorkspaceColdStorageColumns';
import { Inspection1764000400000 } from './migrations/1764000400000-Inspection';

export const backendMigrations = [CreateWorkspace1764000000000, WorkspaceColdStorageColumns1764000050000, TransitionCompletedHooks1764000300000, Inspection1764000400000];

export interface PostgresContributions {
  // TypeORM's own element types: entity classes and migration classes.
  entities?: MixedList<Function>;
  migrations?: MixedList<Function>;
}

/**
 * The Postgres DataSource: our entities and migrations plus those plugins contribute. Schema changes
 * only ever come from migrations (`synchronize` is never on).
 */
export function createDataSource(url: string, contributions: PostgresContributions[] = []): DataSource {
  const entities: Function[] = [...backendEntities];
  const migrations: Function[] = [...backendMigrations];
  for (const c of contributions) {
    entities.push(...(Array.isArray(c.entities) ? c.entities : []) as Function[]);
    migrations.push(...(Array.isArray(c.migrations) ? c.migrations : []) as Function[]);
  }
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // Failures surface as thrown, typed errors; TypeORM's own console logging would only duplicate them.
    logging: false,
    extra: { max: 20, connectionTimeoutMillis: 10_000 },
  });
}

/** Applies pending migrations; running it again is a no-op. Returns the names it applied. */
export async function migratePostgres(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

/**
 * Runs `fn` (migrations) while holding a Postgres advisory lock, so processes booting at once (a fleet of
 * workers on a fresh database) apply migrations one after the other instead of racing on the same DDL.
 * The lock is on a dedicated connection and dies with it if the process does.
 */
export async function withMigrationLock<T>(dataSource: DataSource, fn: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, ['permafrost:migrations']);
    try {
      return await fn();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, ['permafrost:migrations']);
    }
  } finally {
    await runner.release();
  }
}
