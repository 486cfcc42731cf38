import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { buildProject } from '../jest/build';
import { runNode, testTempDir } from '../jest/processes';
import { repoRoot } from '../paths';
import { readStackEnv } from '@permafrost/backend-lib/servers';
import { spawnEngineServer, type EngineServerProcess } from './launch';

// The server runs in a child process with its own engine, so this file opens no engine in the worker.
let server: EngineServerProcess;
let dir: string;

beforeAll(async () => {
  buildProject('packages/dev-stack');
  dir = testTempDir('engine-server');
  const env = readStackEnv();
  server = await spawnEngineServer({
    dataPath: join(dir, 'clickhouse'),
    s3: {
      endpoint: env.PERMAFROST_S3_ENDPOINT ?? 'http://127.0.0.1:9',
      bucket: env.PERMAFROST_S3_BUCKET,
      prefix: env.PERMAFROST_S3_PREFIX,
      accessKeyId: env.PERMAFROST_S3_ACCESS_KEY_ID ?? 'S3RVER',
      secretAccessKey: env.PERMAFROST_S3_SECRET_ACCESS_KEY ?? 'S3RVER',
    },
    s3RetryAttempts: 2,
  });
});

afterAll(async () => {
  await server?.stop();
});

/** A separate Node process that inserts its rows through the shared server and prints the total it sees. */
const CHILD = `
const { createClient } = require('@clickhouse/client');
(async () => {
  const [url, table, from] = process.argv.slice(2);
  const client = createClient({ url });
  const values = Array.from({ length: 1000 }, (_, i) => ({ id: Number(from) + i, who: 'child-' + from }));
  await client.insert({ table, values, format: 'JSONEachRow' });
  const rs = await client.query({ query: 'SELECT count() AS c FROM {t:Identifier} WHERE who = {who:String}', query_params: { t: table, who: 'child-' + from }, format: 'JSONEachRow' });
  process.stdout.write(JSON.stringify(await rs.json()));
  await client.close();
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('engine server process (dist/engine-server/main.js)', () => {
  it('prints a ready line and serves two clients and two other processes on one engine', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const a = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
    const b = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
    try {
      await a.command({ query: 'CREATE TABLE shared (id UInt32, who String) ENGINE = MergeTree ORDER BY id' });
      await b.insert({ table: 'shared', values: [{ id: 1, who: 'b' }], format: 'JSONEachRow' });
      const seenByA = await (await a.query({ query: 'SELECT who FROM shared', format: 'JSONEachRow' })).json();
      expect(seenByA).toEqual([{ who: 'b' }]);

      const script = join(dir, 'engine-client.js');
      writeFileSync(script, CHILD);
      const env = { ...process.env, NODE_PATH: resolve(repoRoot, 'node_modules') };
      const [first, second] = await Promise.all([
        runNode(script, [server.url, 'shared', '1000'], env),
        runNode(script, [server.url, 'shared', '5000'], env),
      ]);
      expect(first.stderr).toBe('');
      expect(second.stderr).toBe('');
      expect(JSON.parse(first.stdout)).toEqual([{ c: expect.anything() }]);
      expect(Number(JSON.parse(first.stdout)[0].c)).toBe(1000);
      expect(Number(JSON.parse(second.stdout)[0].c)).toBe(1000);

      const total = await (await b.query({ query: 'SELECT count() AS c, uniqExact(who) AS w FROM shared', format: 'JSONEachRow' })).json<{ c: number; w: number }>();
      expect(total.map((r) => [Number(r.c), Number(r.w)])).toEqual([[2001, 3]]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('exits when its parent closes its stdin, and a new process reopens the same data', async () => {
    const dataPath = join(dir, 'clickhouse');
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow(); // gone
    const env = readStackEnv();
    server = await spawnEngineServer({
      dataPath,
      s3: { endpoint: env.PERMAFROST_S3_ENDPOINT ?? 'http://127.0.0.1:9', bucket: env.PERMAFROST_S3_BUCKET, prefix: env.PERMAFROST_S3_PREFIX, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      s3RetryAttempts: 2,
    });
    const c = createClient({ url: server.url });
    try {
      expect(await (await c.query({ query: 'SELECT count() FROM shared', format: 'TabSeparated' })).text()).toBe('2001\n');
    } finally {
      await c.close();
    }
  });
});
