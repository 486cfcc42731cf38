import type { ClickHouse } from '../clickhouse/clickhouse';
import { SchemaMismatchError } from './errors';
import type { EventTableSpec, SchemaProfile } from './types';

interface ColumnRow {
  name: string;
  type: string;
  default_kind: string;
}

/** ClickHouse prints `Boolean` columns as `Bool`; everything else as declared. */
const normalType = (type: string) => (type === 'Boolean' ? 'Bool' : type);

/**
 * Proves the hot tables in the client's database are what the profile says, before any archive runs:
 * every column the profile moves exists with its type, and every column stored without a DEFAULT is one
 * the profile moves (the others are recomputed from those on restore). A platform upgrade that adds a
 * stored column fails the boot here, by name, instead of an archive dropping that column. A missing
 * table is an error where the platform owns the tables (wrong database), and fine where our migrations
 * are about to create them.
 */
export async function checkEventTables(ch: ClickHouse, profile: SchemaProfile): Promise<void> {
  const database = (await ch.one<{ db: string }>(`SELECT currentDatabase() AS db`)).db;
  for (const spec of [profile.clickhouse.userEvents, profile.clickhouse.internalEvents]) {
    const columns = await ch.rows<ColumnRow>(
      `SELECT name, type, default_kind FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`, { t: spec.table });
    if (columns.length === 0) {
      if (!profile.clickhouse.platformOwnsEventTables) continue;
      throw new SchemaMismatchError(`ClickHouse database ${database} has no table ${spec.table}, which the ${profile.name} schema profile expects the platform to have created. Give the data layer a ClickHouse client whose database is the platform's (Dittofeed: CLICKHOUSE_DATABASE, default "dittofeed"); nothing was changed.`);
    }
    assertColumns(database, profile, spec, columns);
  }
}

function assertColumns(database: string, profile: SchemaProfile, spec: EventTableSpec, columns: ColumnRow[]): void {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const problems: string[] = [];
  for (const wanted of spec.columns) {
    const found = byName.get(wanted.name);
    if (!found) problems.push(`column ${wanted.name} is missing`);
    else if (normalType(found.type) !== normalType(wanted.type)) problems.push(`column ${wanted.name} is ${found.type}, the profile says ${wanted.type}`);
  }
  const moved = new Set(spec.columns.map((c) => c.name));
  const unmoved = columns.filter((c) => c.default_kind === '' && !moved.has(c.name)).map((c) => c.name);
  if (unmoved.length > 0) problems.push(`stored column(s) ${unmoved.join(', ')} have no DEFAULT and are not in the profile, so an archive would lose them`);
  if (problems.length > 0) {
    throw new SchemaMismatchError(`${database}.${spec.table} does not match the ${profile.name} schema profile: ${problems.join('; ')}. Add the columns to the profile's clickhouse columns (or fix the table); nothing was archived or changed.`);
  }
}
