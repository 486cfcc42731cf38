import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClickHouse } from '@permafrost/backend-lib';
import { startTestStack, type TestStack } from '@permafrost/dev-stack/testing';
import { countExistingObjects } from './s3-object-keys';

// Integration: embedded ClickHouse with its S3 disk on s3rver. The objects check asks S3 about exact keys.
describe('countExistingObjects (embedded ClickHouse + S3)', () => {
  let stack: TestStack;
  let ch: ClickHouse;
  beforeAll(async () => {
    stack = await startTestStack();
    ch = new ClickHouse(stack.clickhouse);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts the keys S3 still has, one request per key: missing keys, whatever their prefix, count as gone', async () => {
    const table = `keys_probe_${randomUUID().replace(/-/g, '')}`;
    await ch.command(`CREATE TABLE ${table} (k UInt32, v String) ENGINE = MergeTree ORDER BY k SETTINGS storage_policy = 'cold_storage'`);
    try {
      await ch.command(`INSERT INTO ${table} SELECT number, repeat('x', 100) FROM numbers(1000)`);
      const keys = (await ch.rows<{ key: string }>(
        `SELECT DISTINCT remote_path AS key FROM system.remote_data_paths AS r
         INNER JOIN (SELECT path FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active) AS p
           ON startsWith(concat(r.path, r.local_path), p.path)`, { table })).map((r) => r.key);
      expect(keys.length).toBeGreaterThan(3);
      const missing = [`${keys[0]!.slice(0, -5)}zzzzz`, `${stack.s3.prefix}/disk/zzz/${'q'.repeat(29)}`];
      expect(await countExistingObjects(ch, stack.s3, [...keys, ...missing])).toBe(keys.length);
      // More keys than one statement asks about (40): the batches add up.
      expect(await countExistingObjects(ch, stack.s3, [...keys, ...keys, ...keys, ...keys].slice(0, 45))).toBe(Math.min(45, 4 * keys.length));

      await ch.command(`TRUNCATE TABLE ${table}`);
      let left = keys.length;
      for (let i = 0; i < 40 && left > 0; i++) {
        left = await countExistingObjects(ch, stack.s3, keys);
        if (left > 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(left).toBe(0);
    } finally {
      await ch.command(`DROP TABLE IF EXISTS ${table} SYNC`);
    }
  });

  it('an S3 that answers with errors fails the check (a key it cannot ask about is never counted as gone)', async () => {
    // Every request answered 503, as an overloaded S3 would.
    const failing: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>test</Message></Error>');
    });
    await new Promise<void>((ok) => failing.listen(0, '127.0.0.1', ok));
    try {
      const endpoint = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
      const err = await countExistingObjects(ch, { ...stack.s3, endpoint }, [`${stack.s3.prefix}/disk/abc/${'d'.repeat(29)}`]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).message)).toMatch(/S3|503|ServiceUnavailable/i);
    } finally {
      await new Promise<void>((ok) => failing.close(() => ok()));
    }
  });
});
