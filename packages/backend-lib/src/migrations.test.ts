import { randomBytes } from 'node:crypto';
import { ensureDatabase } from '@permafrost/dev-stack';
import { createDataSource, migratePostgres } from './db/data-source';
import { migrateClickHouse } from './clickhouse/migrations';
import { userEventsMigrations } from './userEvents/clickhouse';
import { startTestApp, type TestApp } from './testing';

// Integration: TypeORM migrations on embedded Postgres; the ClickHouse migration ledger on chDB.
describe('migrations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.stop());

  it('Postgres: a fresh database gets the schema; running again applies nothing', async () => {
    const url = await ensureDatabase(t.stack.postgresUrl, `m_${randomBytes(5).toString('hex')}`);
    const ds = createDataSource(url);
    await ds.initialize();
    try {
      expect(await migratePostgres(ds)).toEqual(['CreateWorkspace1764000000000', 'WorkspaceColdStorageColumns1764000050000', 'TransitionCompletedHooks1764000300000', 'Inspection1764000400000']);
      expect(await migratePostgres(ds)).toEqual([]);
      const tables = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
      expect(tables.map((r: { table_name: string }) => r.table_name)).toEqual(expect.arrayContaining(['workspace', 'workspace_transition']));
      expect(await ds.showMigrations()).toBe(false);
    } finally {
      await ds.destroy();
    }
  });

  it('ClickHouse: rerunning is a no-op, and a plugin can contribute its own DDL', async () => {
    expect(await migrateClickHouse(t.ch, userEventsMigrations)).toEqual([]); // applied at boot
    const table = `plugin_probe_${randomBytes(4).toString('hex')}`;
    const contributed = { id: `zz_probe_${table}`, statements: [`CREATE TABLE IF NOT EXISTS ${table} (x UInt8) ENGINE = MergeTree ORDER BY x`] };
    expect(await migrateClickHouse(t.ch, [...userEventsMigrations, contributed])).toEqual([contributed.id]);
    expect(await migrateClickHouse(t.ch, [...userEventsMigrations, contributed])).toEqual([]);
    const [row] = await t.ch.rows<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}`, { t: table });
    expect(Number(row!.n)).toBe(1);
    await expect(migrateClickHouse(t.ch, [contributed, contributed])).rejects.toThrow(/declared twice/);
  });
});
