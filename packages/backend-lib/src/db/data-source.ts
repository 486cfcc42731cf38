import { DataSource, type MixedList } from 'typeorm';
import { PERMAFROST_PROFILE } from '../schema-profile/permafrost';
import { bindSchemaProfile } from '../schema-profile/registry';
import { quoteIdent } from '../schema-profile/sql';
import type { SchemaProfile } from '../schema-profile/types';

/** Permafrost's own Postgres migrations (the default profile's). */
export const backendMigrations = [...PERMAFROST_PROFILE.postgres.migrations];

export interface PostgresContributions {
  // TypeORM's own element types: entity classes and migration classes.
  entities?: MixedList<Function>;
  migrations?: MixedList<Function>;
}

/**
 * The Postgres DataSource: the profile's entities and migrations plus those plugins contribute. Schema
 * changes only ever come from migrations (`synchronize` is never on). A profile with a schema of our
 * own puts it first on every connection's search path, so Permafrost's tables (ours and plugins', whose
 * SQL names them unqualified) are created and found there, never among the platform's; the platform's
 * workspace table is always named with its schema.
 */
export function createDataSource(url: string, contributions: PostgresContributions[] = [], profile: SchemaProfile = PERMAFROST_PROFILE): DataSource {
  const entities: Function[] = [...profile.postgres.entities];
  const migrations: Function[] = [...profile.postgres.migrations];
  for (const c of contributions) {
    entities.push(...(Array.isArray(c.entities) ? c.entities : []) as Function[]);
    migrations.push(...(Array.isArray(c.migrations) ? c.migrations : []) as Function[]);
  }
  const own = profile.postgres.ownSchema;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    ...(own ? { schema: own } : {}),
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // Failures surface as thrown, typed errors; TypeORM's own console logging would only duplicate them.
    logging: false,
    extra: { max: 20, connectionTimeoutMillis: 10_000, ...(own ? { options: `-c search_path=${quoteIdent(own)},public` } : {}) },
  });
  bindSchemaProfile(dataSource, profile);
  return dataSource;
}

/** The profile's own schema, before its first migration (TypeORM's ledger lives in it). Idempotent. */
export async function ensureOwnSchema(dataSource: DataSource, profile: SchemaProfile): Promise<void> {
  if (profile.postgres.ownSchema) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(profile.postgres.ownSchema)}`);
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
