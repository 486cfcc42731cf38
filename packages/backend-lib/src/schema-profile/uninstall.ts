import { ConflictError, InvalidInputError } from '@permafrost/core/plugin';
import { MigrationExecutor, type DataSource } from 'typeorm';
import type { ClickHouse } from '../clickhouse/clickhouse';
import { schemaProfileOf } from './registry';
import { quoteIdent, workspaceReference } from './sql';
import type { SchemaProfile } from './types';

export interface UninstallReport {
  /** Postgres migrations undone, last applied first. */
  postgres: string[];
  /** Postgres schemas dropped (Permafrost's own and pg-boss's). */
  schemas: string[];
  /** ClickHouse tables dropped (cold tables, restore leftovers, the migration ledger). */
  clickhouse: string[];
}

/** Staging tables a restore creates (`permafrost_restore_<operation>_<table>`); left only by a crash. */
const RESTORE_STAGING = 'permafrost_restore_%';
const LEDGER = 'permafrost_clickhouse_migrations';

/**
 * Rollback: removes everything Permafrost added to a platform's databases, leaving the platform's own
 * tables as they were before it was installed — Postgres migrations undone last first (plugins' too:
 * pass the booted app's DataSource, which knows them and its profile), which drops the workspace row's cold-storage
 * columns and Permafrost's tables; then Permafrost's schema and pg-boss's; in ClickHouse the cold tables,
 * leftover restore staging tables and the migration ledger. The row-identity setting stays on the
 * platform's event tables (harmless: the platform never reads `_block_number`).
 *
 * Refuses (CONFLICT, nothing changed) while any workspace's events are not all hot — dropping a cold
 * table would lose them: resume or untombstone those workspaces first. Only for a profile whose tables
 * belong to the platform: Permafrost's own schema is not an add-on (drop its database instead).
 */
export async function uninstallFromPlatform(deps: { dataSource: DataSource; clickhouse: ClickHouse }): Promise<UninstallReport> {
  const { dataSource, clickhouse: ch } = deps;
  const profile = schemaProfileOf(dataSource);
  if (!profile.clickhouse.platformOwnsEventTables) {
    throw new InvalidInputError(`The ${profile.name} schema profile keeps Permafrost's own tables, not a platform's: there is nothing to uninstall from; drop its databases instead.`);
  }
  await assertAllHot(dataSource, ch, profile);

  const applied = () => new MigrationExecutor(dataSource).getExecutedMigrations();
  // Newest first, as TypeORM lists them; each undo runs in its own transaction.
  const postgres = (await applied()).map((m) => m.name);
  for (let i = 0; i < postgres.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
  const left = await applied();
  if (left.length > 0) throw new Error(`undoing Permafrost's migrations left ${left.map((m) => m.name).join(', ')} applied; see its migrations table`);

  const schemas = [profile.postgres.ownSchema, profile.postgres.jobsSchema].filter((s): s is string => s !== undefined && s !== 'public');
  // Both schemas hold only what Permafrost created (its ledger; pg-boss's tables).
  for (const schema of schemas) await dataSource.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);

  const cold = Object.values(profile.clickhouse.coldTables).flatMap((t) => [t.cold, t.staging]);
  const leftovers = (await ch.rows<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE {pattern:String}`, { pattern: RESTORE_STAGING })).map((r) => r.name);
  const dropped: string[] = [];
  for (const table of [...cold, ...leftovers, LEDGER]) {
    if (!(await tableExists(ch, table))) continue;
    await ch.command(`DROP TABLE ${quoteClickHouse(table)} SYNC`);
    dropped.push(table);
  }
  return { postgres, schemas, clickhouse: dropped };
}

async function assertAllHot(dataSource: DataSource, ch: ClickHouse, profile: SchemaProfile): Promise<void> {
  const ws = workspaceReference(profile);
  const state = quoteIdent(profile.postgres.workspace.columns.coldStorageState);
  const hasColumn = await dataSource.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3`,
    [profile.postgres.workspace.schema ?? 'public', profile.postgres.workspace.table, profile.postgres.workspace.columns.coldStorageState]);
  if (hasColumn.length > 0) {
    const [row] = await dataSource.query(`SELECT count(*)::int AS n FROM ${ws.table} WHERE ${state} <> 'none'`);
    if (row.n > 0) {
      throw new ConflictError(`${row.n} workspace(s) have events in cold storage or an operation under way (${state} is not 'none'); uninstalling would drop those events. Resume or untombstone them (or retry their failed operations) first; nothing was changed.`);
    }
  }
  for (const t of Object.values(profile.clickhouse.coldTables)) {
    for (const table of [t.cold, t.staging]) {
      if (!(await tableExists(ch, table))) continue;
      const { n } = await ch.one<{ n: string }>(`SELECT count() AS n FROM ${quoteClickHouse(table)}`);
      if (Number(n) > 0) throw new ConflictError(`ClickHouse table ${table} still holds ${n} rows; uninstalling would drop them. Restore their workspaces first; nothing was changed.`);
    }
  }
}

async function tableExists(ch: ClickHouse, table: string): Promise<boolean> {
  const row = await ch.one<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}`, { t: table });
  return Number(row.n) > 0;
}

/** ClickHouse identifiers here come from the profile (checked) or system.tables (matched by our prefix); quoted anyway. */
function quoteClickHouse(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain ClickHouse identifier: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}
