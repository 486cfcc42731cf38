import { randomUUID } from 'node:crypto';
import { ClickHouse } from '@permafrost/backend-lib';
import { startTestStack, type TestStack } from '@permafrost/dev-stack/testing';
import { countExistingObjects } from '../../s3-object-keys';
import { awaitPartsGone, dropPartitions, PART_PREFIX, partitionPartsByMonth } from './partitions';

// Integration: embedded ClickHouse with its S3 disk on s3rver. What a restore frees is checked by part
// metadata: a dropped part stays listed until the engine has removed its files, S3 objects included.
describe('freed parts of the table strategy (embedded ClickHouse + S3)', () => {
  let stack: TestStack;
  let ch: ClickHouse;
  beforeAll(async () => {
    stack = await startTestStack();
    ch = new ClickHouse(stack.clickhouse);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists the parts of exactly the workspace-months asked for, and reports them until they and their objects are gone', async () => {
    const table = `parts_probe_${randomUUID().replace(/-/g, '')}`;
    const [ws, other] = [randomUUID(), randomUUID()];
    await ch.command(`CREATE TABLE ${table} (workspace_id String, processing_time DateTime64(3), v String) ENGINE = MergeTree
      PARTITION BY (workspace_id, toYYYYMM(processing_time)) ORDER BY (workspace_id, processing_time) SETTINGS storage_policy = 'cold_storage'`);
    try {
      for (const id of [ws, other]) {
        await ch.command(`INSERT INTO ${table} SELECT {ws:String}, toDateTime64('2026-01-15', 3) + toIntervalMonth(number % 3), repeat('x', 50) FROM numbers(300)`, { ws: id });
      }
      const byMonth = await partitionPartsByMonth(ch, table, ws, [202601, 202602, 202603, 202604]);
      expect([...byMonth.entries()].map(([m, parts]) => [m, parts.length])).toEqual([[202601, 1], [202602, 1], [202603, 1], [202604, 0]]);
      const freed = [...byMonth.values()].flat().map((name) => `${PART_PREFIX}${table}/${name}`);
      const objects = (await ch.rows<{ key: string }>(
        `SELECT DISTINCT remote_path AS key FROM system.remote_data_paths AS r
         INNER JOIN (SELECT path FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active AND startsWith(partition, {p:String})) AS p
           ON startsWith(concat(r.path, r.local_path), p.path)`, { table, p: `('${ws}'` })).map((r) => r.key);
      expect(objects.length).toBeGreaterThan(3);

      // Still there: every part counts (the check does not pass by waiting).
      expect(await awaitPartsGone(ch, freed, 300)).toBe(3);
      await dropPartitions(ch, table, ws, [202601, 202602]);
      expect(await awaitPartsGone(ch, freed.slice(0, 2))).toBe(0);
      expect(await awaitPartsGone(ch, freed, 300)).toBe(1);
      await dropPartitions(ch, table, ws, [202603]);
      expect(await awaitPartsGone(ch, freed)).toBe(0);
      // Gone from the engine means gone from S3.
      expect(await countExistingObjects(ch, stack.s3, objects)).toBe(0);
      // The neighbour's parts are untouched.
      expect([...(await partitionPartsByMonth(ch, table, other, [202601, 202602, 202603])).values()].map((p) => p.length)).toEqual([1, 1, 1]);
    } finally {
      await ch.command(`DROP TABLE IF EXISTS ${table} SYNC`);
    }
  });
});
