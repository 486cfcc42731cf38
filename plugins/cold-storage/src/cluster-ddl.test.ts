import { ClusterConfigError, createTableLike, forCluster, PERMAFROST_PROFILE, userEventsMigrations, type ClickHouseMigrations } from '@permafrost/backend-lib';
import { parquetStrategy } from './strategies/parquet';
import { tableStrategy } from './strategies/table';

// Pure: the DDL every migration runs on a cluster. (Running it needs Keeper and replicas: the `cluster`
// compose profile and its workflow job, where a Docker engine exists.)
const cluster = { name: 'permafrost' };
const of = (m: ClickHouseMigrations) => (typeof m === 'function' ? m(PERMAFROST_PROFILE) : m);
const statements = [...userEventsMigrations, ...of(tableStrategy.migrations), ...of(parquetStrategy.migrations)].flatMap((m) => m.statements);

describe('DDL on a ClickHouse cluster', () => {
  const clustered = statements.map((s) => forCluster(s, cluster));

  it('creates every table ON CLUSTER with a Replicated engine on a Keeper path of its own', () => {
    const creates = clustered.filter((s) => /CREATE\s+TABLE/i.test(s));
    expect(creates.length).toBeGreaterThanOrEqual(6);
    const paths = new Set<string>();
    for (const s of creates) {
      const name = s.match(/CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)/i)![1]!;
      expect(s).toContain(`${name} ON CLUSTER permafrost`);
      const engine = s.match(/ENGINE\s*=\s*(\w+)\('([^']+)', '\{replica\}'\)/);
      expect(engine).not.toBeNull();
      expect(engine![1]).toMatch(/^Replicated\w*MergeTree$/);
      expect(engine![2]).toBe(`/clickhouse/tables/{shard}/{database}/${name}`);
      paths.add(engine![2]!);
      expect(s).not.toMatch(/ENGINE\s*=\s*MergeTree/);
    }
    expect(paths.size).toBe(creates.length);
  });

  it('keeps table settings and policies (cold parts stay on the cold_storage policy)', () => {
    const cold = clustered.find((s) => /CREATE TABLE IF NOT EXISTS user_events_cold_storage /.test(s))!;
    expect(cold).toContain("storage_policy = 'cold_storage'");
    expect(cold).toContain('PARTITION BY (workspace_id, toYYYYMM(processing_time))');
    const hot = clustered.find((s) => /CREATE TABLE IF NOT EXISTS user_events_v2 /.test(s))!;
    expect(hot).toContain('enable_block_number_column = 1');
  });

  it('runs schema ALTERs and views ON CLUSTER, and leaves other statements alone', () => {
    for (const s of clustered.filter((x) => /^\s*ALTER\s+TABLE/i.test(x))) expect(s).toMatch(/^\s*ALTER\s+TABLE\s+\w+ ON CLUSTER permafrost\s/i);
    const view = clustered.find((s) => /MATERIALIZED VIEW/i.test(s))!;
    expect(view).toMatch(/internal_events_mv ON CLUSTER permafrost\s+TO/);
    expect(forCluster('SELECT 1', cluster)).toBe('SELECT 1');
    // Runtime mutations replicate through the table's log; ON CLUSTER would run them once per replica.
    expect(forCluster('DELETE FROM user_events_v2 WHERE workspace_id = {ws:String}', cluster)).not.toContain('ON CLUSTER');
  });

  it('creates restore staging tables Replicated on their own path', () => {
    expect(createTableLike('permafrost_restore_x_events', 'user_events_v2')).toBe('CREATE TABLE IF NOT EXISTS permafrost_restore_x_events AS user_events_v2');
    expect(createTableLike('permafrost_restore_x_events', 'user_events_v2', cluster)).toBe(
      "CREATE TABLE IF NOT EXISTS permafrost_restore_x_events ON CLUSTER permafrost AS user_events_v2 ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/permafrost_restore_x_events', '{replica}')");
  });

  it('refuses names that would change the statement', () => {
    expect(() => forCluster('SELECT 1', { name: "x' OR 1" })).toThrow(ClusterConfigError);
    expect(() => forCluster('SELECT 1', { name: 'ok', zooKeeperPathPrefix: '/a/../b' })).toThrow(ClusterConfigError);
    expect(() => forCluster('SELECT 1', { name: 'ok', zooKeeperPathPrefix: "/a'b" })).toThrow(ClusterConfigError);
  });
});
