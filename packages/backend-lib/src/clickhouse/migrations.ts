import type { ClickHouse } from './clickhouse';
import { forCluster } from './cluster';

/**
 * A versioned ClickHouse schema change. Statements must be idempotent (`IF NOT EXISTS`): a crash between
 * a statement and the bookkeeping row reruns them, and two processes may migrate at once.
 */
export interface ClickHouseMigration {
  /** Sorts into apply order, e.g. `0001_user_events_v2`; plugins prefix theirs (`cold_storage_0001_…`). */
  id: string;
  statements: string[];
}

const LEDGER = 'permafrost_clickhouse_migrations';

/**
 * Applies the migrations not yet recorded, in id order. Returns the ids it applied; rerunning applies none.
 * On a cluster (`ch.cluster`) every statement runs ON CLUSTER with Replicated engines (see cluster.ts),
 * the ledger included, so any replica knows what was applied.
 */
export async function migrateClickHouse(ch: ClickHouse, migrations: ClickHouseMigration[]): Promise<string[]> {
  const ddl = (statement: string) => (ch.cluster ? forCluster(statement, ch.cluster) : statement);
  const ids = migrations.map((m) => m.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`ClickHouse migration id ${duplicate} is declared twice`);

  await ch.command(ddl(`CREATE TABLE IF NOT EXISTS ${LEDGER} (id String, applied_at DateTime64(3) DEFAULT now64(3))
                    ENGINE = ReplacingMergeTree ORDER BY id`));
  const applied = new Set((await ch.rows<{ id: string }>(`SELECT DISTINCT id FROM ${LEDGER}`)).map((r) => r.id));
  const done: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
    if (applied.has(migration.id)) continue;
    for (const statement of migration.statements) await ch.command(ddl(statement));
    await ch.insertRows(LEDGER, [{ id: migration.id }]);
    done.push(migration.id);
  }
  return done;
}
