import { Client } from 'pg';
import { startTestStack, type TestStack } from './jest/test-stack';
import { s3Url } from '@permafrost/backend-lib/servers';

// Integration: the embedded ClickHouse (chDB) with the cold_storage policy, s3rver and embedded Postgres
// (or the servers the environment names).
describe('dev stack: ClickHouse + S3 + Postgres', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const rows = async <T>(query: string, query_params?: Record<string, unknown>) =>
    (await stack.clickhouse.query({ query, query_params, format: 'JSONEachRow' })).json<T>();

  it('loads the cold_storage policy from clickhouse-config/', async () => {
    const policies = await rows<{ disk: string }>(
      `SELECT arrayJoin(disks) AS disk FROM system.storage_policies WHERE policy_name = 'cold_storage'`,
    );
    expect(policies.map((p) => p.disk)).toEqual(['s3_cold']);
  });

  it('a table on the cold_storage policy writes its parts as objects into the S3 bucket', async () => {
    const table = `cold_probe_${process.pid}`;
    await stack.clickhouse.command({ query: `DROP TABLE IF EXISTS ${table} SYNC` });
    await stack.clickhouse.command({
      query: `CREATE TABLE ${table} (id UInt64, payload String) ENGINE = MergeTree ORDER BY id SETTINGS storage_policy = 'cold_storage'`,
    });
    await stack.clickhouse.command({ query: `INSERT INTO ${table} SELECT number, repeat('x', 100) FROM numbers(5000)` });

    const parts = await rows<{ disk_name: string }>(
      `SELECT disk_name FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active`,
      { t: table },
    );
    expect(parts.length).toBeGreaterThan(0);
    expect(new Set(parts.map((p) => p.disk_name))).toEqual(new Set(['s3_cold']));

    const keys = (await rows<{ remote_path: string }>(
      `SELECT remote_path FROM system.remote_data_paths AS r
       WHERE concat(r.path, substring(r.local_path, 1, length(r.local_path) - position(reverse(r.local_path), '/') + 1))
             IN (SELECT path FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active)`,
      { t: table },
    )).map((r) => r.remote_path);
    expect(keys.length).toBeGreaterThan(0);

    // Ask the S3 server itself (a listing per key, the key as prefix), not ClickHouse's bookkeeping,
    // which objects exist. Not one listing of the whole bucket: the run's other tests fill it past what
    // s3rver lists (InternalError beyond ~12k objects).
    const asked = keys.slice(0, 20);
    const params: Record<string, string> = { key: stack.s3.accessKeyId, secret: stack.s3.secretAccessKey };
    const selects = asked.map((k, i) => {
      params[`u${i}`] = `${s3Url({ ...stack.s3, prefix: '' })}/${k}*`;
      return `SELECT _path AS p FROM s3({u${i}:String}, {key:String}, {secret:String}, 'One')`;
    });
    const listed = new Set((await rows<{ p: string }>(selects.join(' UNION ALL '), params)).map((r) => r.p.replace(`${stack.s3.bucket}/`, '')));
    for (const key of asked) expect(listed.has(key)).toBe(true);

    const sum = await rows<{ n: string }>(`SELECT count() AS n FROM ${table}`);
    expect(Number(sum[0]!.n)).toBe(5000);
    await stack.clickhouse.command({ query: `DROP TABLE ${table} SYNC` });
  });

  it('gives this test file its own Postgres database', async () => {
    const client = new Client({ connectionString: stack.postgresUrl });
    await client.connect();
    try {
      const { rows: [row] } = await client.query<{ db: string; version: string }>('SELECT current_database() AS db, version() AS version');
      expect(row!.db).toBe(stack.database);
      expect(row!.version).toMatch(/PostgreSQL/);
    } finally {
      await client.end();
    }
  });
});
