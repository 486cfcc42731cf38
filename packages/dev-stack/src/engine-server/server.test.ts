import { once } from 'node:events';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { readStackEnv } from '@permafrost/backend-lib/servers';
import { TEST_RUN_DIR_ENV } from '../jest/test-stack';
import { startEngineServer, type RunningEngineServer } from './server';

// One engine per process: the worker's engine directory, as every test file of this worker uses.
const dataPath = join(process.env[TEST_RUN_DIR_ENV] ?? tmpdir(), `worker-${process.pid}`, 'clickhouse');
const auth = { user: 'permafrost', password: 'engine-secret' };
const table = `es_${randomBytes(4).toString('hex')}`;

let server: RunningEngineServer;
let client: ClickHouseClient;

function newClient(extra: Partial<ClickHouseClientConfigOptions> = {}): ClickHouseClient {
  return createClient({ url: server.url, username: auth.user, password: auth.password, log: { level: ClickHouseLogLevel.OFF }, ...extra });
}

const basic = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;

beforeAll(async () => {
  const env = readStackEnv();
  server = await startEngineServer({
    dataPath,
    s3: {
      endpoint: env.PERMAFROST_S3_ENDPOINT ?? 'http://127.0.0.1:9',
      bucket: env.PERMAFROST_S3_BUCKET,
      prefix: env.PERMAFROST_S3_PREFIX,
      accessKeyId: env.PERMAFROST_S3_ACCESS_KEY_ID ?? 'S3RVER',
      secretAccessKey: env.PERMAFROST_S3_SECRET_ACCESS_KEY ?? 'S3RVER',
    },
    s3RetryAttempts: 2,
    auth,
  });
  client = newClient();
  await client.command({ query: `CREATE TABLE ${table} (id UInt32, name String, at DateTime64(3, 'UTC'), tags Array(String)) ENGINE = MergeTree ORDER BY id` });
});

afterAll(async () => {
  await client?.command({ query: `DROP TABLE IF EXISTS ${table}` }).catch(() => undefined);
  await client?.close();
  await server?.stop();
});

describe('engine server speaks the HTTP interface of @clickhouse/client', () => {
  it('answers ping, GET / and GET /ping like ClickHouse', async () => {
    expect(await client.ping()).toEqual({ success: true });
    expect(await client.ping({ select: true })).toEqual({ success: true });
    const res = await fetch(`${server.url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Ok.\n');
    expect(await (await fetch(`${server.url}/`, { headers: { Authorization: basic } })).text()).toBe('Ok.\n');
  });

  it('returns results in JSONEachRow, JSON, TabSeparated and CSV', async () => {
    const query = 'SELECT number AS n, toString(number) AS s FROM numbers(3)';
    const each = await (await client.query({ query, format: 'JSONEachRow' })).json<{ n: number; s: string }>();
    expect(each.map((r) => [Number(r.n), r.s])).toEqual([[0, '0'], [1, '1'], [2, '2']]);
    const json = await (await client.query({ query, format: 'JSON' })).json<{ n: unknown; s: string }>();
    expect(json.rows).toBe(3);
    expect(json.meta?.map((m) => m.name)).toEqual(['n', 's']);
    expect(await (await client.query({ query, format: 'TabSeparated' })).text()).toBe('0\t0\n1\t1\n2\t2\n');
    expect(await (await client.query({ query, format: 'CSV' })).text()).toBe('0,"0"\n1,"1"\n2,"2"\n');
  });

  it('binds String, UInt32, UInt64, DateTime64(3), Array(String) and Array(UInt32) parameters as the engine parses them', async () => {
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const tricky = `it's a \\ back\tslash\nand 'quotes'`;
    const rs = await client.query({
      query: `SELECT {s:String} AS s, {u:UInt32} AS u, {big:UInt64} AS big, toUnixTimestamp64Milli({at:DateTime64(3)}) AS at_ms,
                     {tags:Array(String)} AS tags, {ids:Array(UInt32)} AS ids, toTypeName({big:UInt64}) AS big_type`,
      format: 'JSONEachRow',
      query_params: { s: tricky, u: 4294967295, big: '18446744073709551615', at, tags: ["o'k", 'x\\y', ''], ids: [1, 2, 3] },
    });
    const [row] = await rs.json<Record<string, unknown>>();
    expect(row.s).toBe(tricky);
    expect(Number(row.u)).toBe(4294967295);
    expect(String(row.big_type)).toBe('UInt64');
    expect(Number(row.at_ms)).toBe(at.getTime());
    expect(row.tags).toEqual(["o'k", 'x\\y', '']);
    expect((row.ids as unknown[]).map(Number)).toEqual([1, 2, 3]);
    // The exact 64-bit value, whatever the JSON quoting setting: compare as text.
    expect(await (await client.query({ query: 'SELECT {big:UInt64}', format: 'TabSeparated', query_params: { big: '18446744073709551615' } })).text())
      .toBe('18446744073709551615\n');
  });

  it('reads parameters from a multipart body (the client sends large parameters that way)', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `value-${i}`);
    const big = newClient({ use_multipart_params: true });
    try {
      const rs = await big.query({ query: 'SELECT length({v:Array(String)}) AS n, {s:String} AS s', format: 'JSONEachRow', query_params: { v: many, s: 'x' } });
      const rows = await rs.json<{ n: number; s: string }>();
      expect(rows.map((r) => [Number(r.n), r.s])).toEqual([[2000, 'x']]);
    } finally {
      await big.close();
    }
  });

  it('inserts JSONEachRow rows, reports written rows, and runs command/exec with parameters', async () => {
    const values = [
      { id: 1, name: 'a', at: '2026-01-01 00:00:00.001', tags: ['x'] },
      { id: 2, name: "b'", at: '2026-01-01 00:00:00.002', tags: [] },
      { id: 3, name: 'c\\', at: '2026-01-01 00:00:00.003', tags: ['y', 'z'] },
    ];
    const insert = await client.insert({ table, values, format: 'JSONEachRow' });
    expect(insert.summary?.written_rows).toBe('3');
    expect(insert.query_id).toEqual(expect.any(String));

    await client.command({ query: `INSERT INTO ${table} SELECT {id:UInt32}, {name:String}, now64(3), {tags:Array(String)}`, query_params: { id: 4, name: 'd', tags: ['p'] } });
    const exec = await client.exec({ query: `SELECT name FROM ${table} WHERE id IN {ids:Array(UInt32)} ORDER BY id FORMAT TabSeparated`, query_params: { ids: [2, 3, 4] } });
    let text = '';
    for await (const chunk of exec.stream) text += String(chunk);
    expect(text).toBe("b\\'\nc\\\\\nd\n"); // TabSeparated escapes quotes and backslashes

    const rows = await (await client.query({ query: `SELECT id, name, tags FROM ${table} ORDER BY id`, format: 'JSONEachRow' })).json();
    expect(rows).toEqual([
      { id: 1, name: 'a', tags: ['x'] },
      { id: 2, name: "b'", tags: [] },
      { id: 3, name: 'c\\', tags: ['y', 'z'] },
      { id: 4, name: 'd', tags: ['p'] },
    ]);
  });

  it('streams an insert body through exec and reads compressed requests and responses', async () => {
    const zipped = newClient({ compression: { request: true, response: true } });
    try {
      const body = Readable.from([`{"id":10,"name":"s","at":"2026-01-01 00:00:00","tags":[]}\n`, `{"id":11,"name":"t","at":"2026-01-01 00:00:00","tags":[]}\n`]);
      await zipped.exec({ query: `INSERT INTO ${table} FORMAT JSONEachRow`, values: body });
      await zipped.insert({ table, values: [{ id: 12, name: 'u', at: '2026-01-01 00:00:00', tags: [] }], format: 'JSONEachRow' });
      const rs = await zipped.query({ query: `SELECT name FROM ${table} WHERE id >= 10 ORDER BY id`, format: 'JSONEachRow' });
      expect(rs.response_headers['content-encoding']).toBe('gzip');
      expect(await rs.json()).toEqual([{ name: 's' }, { name: 't' }, { name: 'u' }]);
    } finally {
      await zipped.close();
    }
  });

  it('applies URL settings to their own query only', async () => {
    const limited = client.query({ query: 'SELECT count() FROM numbers(1000)', format: 'JSONEachRow', clickhouse_settings: { max_rows_to_read: '10' } });
    await expect(limited).rejects.toMatchObject({ code: '158', type: 'TOO_MANY_ROWS' });
    const after = await client.query({ query: 'SELECT count() AS c FROM numbers(1000)', format: 'JSONEachRow' });
    expect(Number((await after.json<{ c: number }>())[0].c)).toBe(1000);

    const setting = (settings: Record<string, string>) => client
      .query({ query: "SELECT getSetting('max_threads') AS v", format: 'TabSeparated', clickhouse_settings: settings })
      .then((rs) => rs.text());
    const defaultThreads = await setting({});
    expect(await setting({ max_threads: '3' })).toBe('3\n');
    expect(await setting({})).toBe(defaultThreads);
    // A SET inside one request dies with its engine connection too.
    await client.command({ query: 'SET max_threads = 2' });
    expect(await setting({})).toBe(defaultThreads);
  });

  it('uses the database parameter for that request only', async () => {
    const db = `es_db_${randomBytes(3).toString('hex')}`;
    await client.command({ query: `CREATE DATABASE ${db}` });
    const scoped = newClient({ database: db });
    try {
      expect(await (await scoped.query({ query: 'SELECT currentDatabase()', format: 'TabSeparated' })).text()).toBe(`${db}\n`);
      expect(await (await client.query({ query: 'SELECT currentDatabase()', format: 'TabSeparated' })).text()).toBe('default\n');
    } finally {
      await scoped.close();
      await client.command({ query: `DROP DATABASE ${db}` });
    }
  });

  it('fails in ClickHouse\'s format: status, X-ClickHouse-Exception-Code, body, ClickHouseError code and type', async () => {
    const unknown = client.query({ query: 'SELECT * FROM es_no_such_table', format: 'JSONEachRow' });
    await expect(unknown).rejects.toBeInstanceOf(ClickHouseError);
    await expect(unknown).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    await expect(client.command({ query: 'SELEC 1' })).rejects.toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
    await expect(client.insert({ table: 'es_no_such_table', values: [{ a: 1 }], format: 'JSONEachRow' })).rejects.toMatchObject({ code: '60' });
    await expect(client.query({ query: 'SELECT 1', clickhouse_settings: { not_a_setting: 1 } as never })).rejects.toMatchObject({ code: '115', type: 'UNKNOWN_SETTING' });

    const raw = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT * FROM es_no_such_table')}`, { headers: { Authorization: basic } });
    expect(raw.status).toBe(404);
    expect(raw.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await raw.text()).toMatch(/^Code: 60\. DB::Exception: .+\(UNKNOWN_TABLE\) \(version \d+\.\d+[^)]*\)\n$/s);
    const syntax = await fetch(server.url, { method: 'POST', body: 'SELEC 1', headers: { Authorization: basic } });
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62');
  });

  it('answers GET read-only, as ClickHouse does', async () => {
    const res = await fetch(`${server.url}/?query=${encodeURIComponent(`INSERT INTO ${table} (id) VALUES (99)`)}`, { headers: { Authorization: basic } });
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/\(READONLY\)/);
  });

  it('rejects wrong credentials with AUTHENTICATION_FAILED (403)', async () => {
    const intruder = createClient({ url: server.url, username: 'default', password: '', log: { level: ClickHouseLogLevel.OFF } });
    try {
      await expect(intruder.query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
      const res = await fetch(`${server.url}/?query=SELECT%201`);
      expect(res.status).toBe(403);
    } finally {
      await intruder.close();
    }
  });

  it('sends the headers the client reads: query id, format, summary', async () => {
    const rs = await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow', query_id: 'es-query-id-1' });
    expect(rs.query_id).toBe('es-query-id-1');
    expect(rs.response_headers['x-clickhouse-query-id']).toBe('es-query-id-1');
    expect(rs.response_headers['x-clickhouse-format']).toBe('JSONEachRow');
    await rs.close();
    const cmd = await client.command({ query: 'SELECT 1 FORMAT TabSeparated', clickhouse_settings: { wait_end_of_query: 1 } });
    expect(cmd.summary).toEqual(expect.objectContaining({ read_rows: expect.any(String), written_rows: '0', elapsed_ns: expect.any(String) }));
  });

  it('streams a 200k-row result, and turns an error after the first chunk into a ClickHouseError', async () => {
    const rs = await client.query({ query: 'SELECT number AS n, repeat(\'x\', 20) AS pad FROM numbers(200000)', format: 'JSONEachRow' });
    let count = 0;
    let last = -1;
    for await (const rows of rs.stream<{ n: number }>()) {
      for (const row of rows) {
        last = Number(row.json().n);
        count++;
      }
    }
    expect(count).toBe(200000);
    expect(last).toBe(199999);

    // The engine decides chunk sizes: the failing row may land in the first chunk (the error then comes
    // with the response status) or in a later one (then inside the stream). Either way, a ClickHouseError.
    const drain = async () => {
      const failing = await client.query({ query: 'SELECT throwIf(number = 150000) AS x FROM numbers(200000)', format: 'JSONEachRow' });
      for await (const rows of failing.stream()) void rows;
    };
    await expect(drain()).rejects.toMatchObject({ code: '395', type: 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO' });
  });

  it('lets a client abandon a stream without hurting the engine', async () => {
    const rs = await client.query({ query: 'SELECT number FROM numbers(5000000)', format: 'JSONEachRow' });
    for await (const rows of rs.stream()) {
      void rows;
      break;
    }
    expect(await (await client.query({ query: 'SELECT 42', format: 'TabSeparated' })).text()).toBe('42\n');
  });

  it('serves concurrent requests in parallel without blocking its event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = Date.now();
    try {
      const slow = () => client.query({ query: 'SELECT sum(sleepEachRow(0.25)) FROM numbers(4) SETTINGS max_block_size = 1', format: 'TabSeparated' }).then((r) => r.text());
      const bound = (i: number) => client.query({ query: 'SELECT {i:UInt32} * 2 AS v', format: 'JSONEachRow', query_params: { i } }).then((r) => r.json<{ v: number }>());
      const results = await Promise.all([slow(), slow(), ...Array.from({ length: 20 }, (_, i) => bound(i))]);
      expect(results.slice(2).map((r) => Number((r as Array<{ v: number }>)[0].v))).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1900); // two 1 s queries side by side, not one after the other
    expect(ticks).toBeGreaterThan(elapsed / 20 / 3);
  });

  it('never resets a keep-alive request that arrived while its event loop was held (idle timeout far past the client\'s socket TTL)', async () => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    const responses = (n: number) => new Promise<void>((resolve, reject) => {
      const check = () => (received.split('HTTP/1.1 200').length - 1 >= n ? resolve() : undefined);
      socket.on('data', (d) => { received += d; check(); });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`connection closed after ${received.split('HTTP/1.1 200').length - 1} responses`)));
      check();
    });
    const request = `GET /?query=SELECT%201 HTTP/1.1\r\nHost: engine\r\nAuthorization: ${basic}\r\nConnection: keep-alive\r\n\r\n`;
    try {
      socket.write(request);
      await responses(1);
      socket.write(request); // a client reusing its idle socket (within its own TTL)…
      expect(socket.writableLength).toBe(0); // (the request is with the server's kernel)
      const until = Date.now() + 7_000;
      while (Date.now() < until); // …while a synchronous pipeline build holds the loop past Node's default 5 s idle timeout (and its slack)
      await responses(2);
    } finally {
      socket.destroy();
    }
  });

  it('takes bound parameters as long as ClickHouse does (URLs past Node\'s 16 KiB default)', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`); // ~120 KB of URL
    const rs = await client.query({ query: 'SELECT length({ids:Array(String)}) AS n, {ids:Array(String)}[3000] AS last', format: 'JSONEachRow', query_params: { ids } });
    const [row] = await rs.json<{ n: number | string; last: string }>();
    expect({ n: Number(row!.n), last: row!.last }).toEqual({ n: 3000, last: ids[2999] });
  });

  it('serves the one engine, storage policies included', async () => {
    const rs = await client.query({ query: "SELECT policy_name FROM system.storage_policies WHERE policy_name = 'cold_storage'", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ policy_name: 'cold_storage' }]);
    const retries = await client.query({ query: "SELECT getSetting('s3_retry_attempts')", format: 'TabSeparated' });
    expect(await retries.text()).toBe('2\n');
  });

  it('refuses session_id clearly instead of dropping session state', async () => {
    await expect(client.query({ query: 'SELECT 1', session_id: 'abc' })).rejects.toMatchObject({ code: '48', type: 'NOT_IMPLEMENTED' });
  });
});
