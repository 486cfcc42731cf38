import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { DataSource } from 'typeorm';
import { bootstrap, HookFailedError, silentLogger, type PermafrostApp } from '@permafrost/core';
import {
  ClickHouse, dataLayer, generateEvents, insertUserEvents, WorkspaceInspector, WorkspaceService, type UserEventInput, type WorkspaceDescription,
} from '@permafrost/backend-lib';
import { ensureDatabase, freePort, repoRoot, spawnEngineServer, startServices, type EngineServerProcess, type RunningServices, type S3Location } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir } from '@permafrost/dev-stack/testing';
import { coldStorage, ColdStorageService } from '@permafrost/plugin-cold-storage';

// Integration: the engine server (chDB in a child process) whose S3 disk points at a private s3rver this
// file stops and starts; a Postgres database of its own on the run's server; the compiled permafrost CLI
// as real processes, and WorkspaceInspector in this process, both against the same servers.
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const EVENTS = 1200;
const DEADLINE_MS = 4_000;

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(resolve(repoRoot, `packages/cli/schemas/${name}.data.schema.json`), 'utf8')));
const valid = { history: schema('history'), describe: schema('describe'), status: schema('status-all') };

describe('permafrost history, describe, status --all (WorkspaceInspector)', () => {
  let s3: RunningServices | undefined;
  let s3Location: S3Location;
  let startS3: () => Promise<void>;
  const stopS3 = async () => {
    await s3?.stop();
    s3 = undefined;
  };
  let s3Port: number;
  let engine: EngineServerProcess;
  let client: ClickHouseClient;
  let app: PermafrostApp;
  let env: NodeJS.ProcessEnv;
  let ch: ClickHouse;
  const ws = () => app.resolve(WorkspaceService);
  const inspector = () => app.resolve(WorkspaceInspector);
  const ds = () => app.resolve(DataSource);

  const cli = (...args: string[]) => runNode(bin, args, env);
  /** Runs `permafrost --json …`, checks the envelope and the command's data schema, returns data. */
  const json = async (command: keyof typeof valid, ...args: string[]) => {
    const result = await cli('--json', ...args);
    expect({ args, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ args, code: 0, stderr: '' });
    const envelope = JSON.parse(result.stdout);
    expect(envelope).toMatchObject({ schemaVersion: 1, command, ok: true });
    const check = valid[command];
    if (!check(envelope.data)) throw new Error(`${command} data does not match its schema: ${ajv.errorsText(check.errors)}`);
    return envelope.data;
  };
  const count = async (sql: string, params: Record<string, unknown>) => Number((await ch.one<{ n: string }>(sql, params)).n);
  const events = (n: number, seed: number, prefix: string): UserEventInput[] => [...generateEvents({ count: n, months: 12, seed, idPrefix: prefix })];

  beforeAll(async () => {
    buildProject('packages/cli');
    const dataDir = testTempDir('inspect');
    const port = (s3Port = await freePort());
    startS3 = async () => {
      s3 = await startServices({ dataDir: join(dataDir, 's3'), fresh: false, s3: { port, bucket: 'permafrost-cold', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', portSetting: 'PERMAFROST_S3_PORT' } });
    };
    await startS3();
    s3Location = { endpoint: `http://127.0.0.1:${port}`, bucket: 'permafrost-cold', prefix: 'inspect', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    // Two attempts per S3 request: an outage fails a statement in about a second (NOTES: S3 down).
    engine = await spawnEngineServer({ dataPath: join(dataDir, 'engine'), s3: s3Location, s3RetryAttempts: 2 });
    const postgresUrl = await ensureDatabase(process.env.DATABASE_URL!, `inspect_${randomBytes(5).toString('hex')}`);
    // Errors are asserted below; the client's own error log would only repeat them.
    client = createClient({ url: engine.url, request_timeout: 120_000, log: { level: ClickHouseLogLevel.OFF } });
    app = await bootstrap({ plugins: [dataLayer({ postgresUrl, clickhouse: client, lockTimeoutMs: 60_000 }), coldStorage({ s3: s3Location })], logger: silentLogger });
    ch = app.resolve(ClickHouse);
    env = {
      ...process.env, NO_COLOR: '1', PERMAFROST_DATA_DIR: dataDir,
      DATABASE_URL: postgresUrl, PERMAFROST_CLICKHOUSE_URL: engine.url,
      PERMAFROST_S3_ENDPOINT: s3Location.endpoint, PERMAFROST_S3_BUCKET: s3Location.bucket, PERMAFROST_S3_PREFIX: s3Location.prefix,
      PERMAFROST_S3_ACCESS_KEY_ID: 'S3RVER', PERMAFROST_S3_SECRET_ACCESS_KEY: 'S3RVER',
    };
  }, 180_000);

  // A test that fails while S3 is stopped must not leave the next one without it.
  afterEach(async () => {
    if (!s3) await startS3();
  });

  afterAll(async () => {
    await app?.shutdown();
    await client?.close();
    await engine?.stop();
    await s3?.stop();
  });

  /** What describe must say, computed here straight from the tables. */
  const truth = async (id: string) => {
    const months = await ch.rows<{ m: number }>(`SELECT DISTINCT toYYYYMM(processing_time) AS m FROM user_events_cold_storage WHERE workspace_id = {ws:String} ORDER BY m`, { ws: id });
    return {
      hot: await count(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws: id }),
      hotInternal: await count(`SELECT count() AS n FROM internal_events WHERE workspace_id = {ws:String}`, { ws: id }),
      cold: await count(`SELECT count() AS n FROM user_events_cold_storage WHERE workspace_id = {ws:String}`, { ws: id }),
      coldInternal: await count(`SELECT count() AS n FROM internal_events_cold_storage WHERE workspace_id = {ws:String}`, { ws: id }),
      coldMonths: months.map((r) => Number(r.m)),
    };
  };
  const numbers = (d: WorkspaceDescription) => ({
    hot: d.hot.tables.find((t) => t.table === 'user_events_v2')!.rows,
    hotInternal: d.hot.tables.find((t) => t.table === 'internal_events')!.rows,
    cold: d.cold!.tables.find((t) => t.table === 'user_events_cold_storage')!.rows,
    coldInternal: d.cold!.tables.find((t) => t.table === 'internal_events_cold_storage')!.rows,
    coldMonths: d.cold!.tables.find((t) => t.table === 'user_events_cold_storage')!.partitions.map((p) => p.month),
  });

  it('through pause with S3 down (failed archive), retry, late events and resume: describe and history tell what happened', async () => {
    const id = (await ws().createWorkspace({ name: `inspect-${randomUUID()}` })).id;
    await insertUserEvents(ch, id, events(EVENTS, 7, id.slice(0, 8)));
    const original = await truth(id);
    expect(original.hot).toBe(EVENTS);

    const active = await inspector().describe(id);
    expect(numbers(active)).toEqual(original);
    expect(active).toMatchObject({ workspace: { status: 'Active', coldStorageState: 'none' }, cold: { reachable: true, strategy: 'table' }, lastFailure: null, nextAction: { action: 'none' } });
    expect(active.hot.tables.find((t) => t.table === 'user_events_v2')!.payloadBytes).toBeGreaterThan(EVENTS * 50);

    // S3 goes away: the archive in after:pause fails typed, after the status commit; nothing hot is deleted.
    await stopS3();
    const failed = await ws().pauseWorkspace(id).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HookFailedError);
    expect(failed).toMatchObject({ statusChanged: true, plugin: 'cold-storage' });
    expect((failed as HookFailedError).cause).toMatchObject({ code: 'COLD_STORAGE_UNREACHABLE' });

    // describe answers while S3 is down: Postgres and hot tables in full, the cold part says unreachable.
    let started = Date.now();
    const down = await inspector().describe(id, { deadlineMs: DEADLINE_MS });
    const describeDownMs = Date.now() - started;
    // Bounded by the deadline (a loaded machine adds seconds, never the engine's minutes of retries).
    expect(describeDownMs).toBeLessThan(DEADLINE_MS + 5_000);
    expect(down).toMatchObject({
      workspace: { status: 'Paused', coldStorageState: 'failed' },
      latestTransition: { transition: 'pause', state: 'failed', phase: 'after', attempts: 1, lockHeld: false },
      latestOperation: { operation: 'archive', state: 'failed', error: { code: 'COLD_STORAGE_UNREACHABLE' } },
      cold: { reachable: false, error: { code: 'COLD_STORAGE_UNREACHABLE' } },
      lastFailure: { kind: 'transition', operation: 'pause', code: 'HOOK_FAILED', causeCode: 'COLD_STORAGE_UNREACHABLE', step: 'after:pause cold-storage/archive', resolved: false, attempt: 1 },
      nextAction: { action: 'retry', operation: 'pause', command: `permafrost retry ${id}` },
    });
    expect(down.hot.rows).toBe(EVENTS);
    started = Date.now();
    const cliDown = await json('describe', 'describe', id);
    const cliDescribeDownMs = Date.now() - started;
    expect(cliDown).toMatchObject({ cold: { reachable: false, error: { code: 'COLD_STORAGE_UNREACHABLE' } }, hot: { rows: EVENTS }, nextAction: { action: 'retry', operation: 'pause' } });
    const human = await cli('describe', id);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/cold storage unreachable: COLD_STORAGE_UNREACHABLE/);
    expect(human.stdout).toMatch(/next: retry pause \(permafrost retry /);
    const statusDown = await json('status', 'status', '--all', '--failed', '--data');
    expect(statusDown.workspaces.find((w: { id: string }) => w.id === id)).toMatchObject({ failure: { code: 'HOOK_FAILED', operation: 'pause' }, hotRows: EVENTS, nextAction: { action: 'retry' } });
    process.stderr.write(`describe with S3 down: library ${describeDownMs} ms, CLI process ${cliDescribeDownMs} ms (deadline ${DEADLINE_MS} ms)\n`);

    // An S3 that accepts connections and never answers: the deadline, not the engine's retries, bounds describe.
    const sockets: Socket[] = [];
    const blackhole = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((ok) => blackhole.listen(s3Port, '127.0.0.1', ok));
    try {
      started = Date.now();
      const hung = await inspector().describe(id, { deadlineMs: 1_500 });
      const hungMs = Date.now() - started;
      expect(hung).toMatchObject({ hot: { rows: EVENTS }, cold: { reachable: false, error: { code: 'COLD_STORAGE_UNREACHABLE', message: expect.stringMatching(/did not answer within 1500 ms/) } } });
      expect(hungMs).toBeLessThan(1_500 + 5_000); // the engine alone would wait out its S3 timeouts on every attempt

      process.stderr.write(`describe with S3 hanging: ${hungMs} ms (deadline 1500 ms)\n`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((ok) => blackhole.close(ok));
    }

    // history lists the failure with its code, newest first.
    const failedHistory = await json('history', 'history', id);
    expect(failedHistory.entries.map((e: { kind: string; operation: string; state: string }) => `${e.kind} ${e.operation} ${e.state}`))
      .toEqual(['cold-storage-operation archive failed', 'transition pause failed']);
    expect(failedHistory.entries[1]).toMatchObject({
      error: { code: 'HOOK_FAILED', message: expect.stringMatching(/cold-storage: Cold storage \(S3\) did not answer/) },
      failures: [{ attempt: 1, code: 'HOOK_FAILED', causeCode: 'COLD_STORAGE_UNREACHABLE', step: 'after:pause cold-storage/archive' }],
      steps: [{ key: 'after:pause cold-storage/archive', status: 'failed', error: { code: 'COLD_STORAGE_UNREACHABLE' } }],
    });
    expect(failedHistory.entries[0]).toMatchObject({ error: { code: 'COLD_STORAGE_UNREACHABLE' }, attempts: 1 });

    // Back up. Pausing again is illegal, and the error now says which transition is unfinished and how to finish it.
    await startS3();
    const again = await cli('--json', 'pause', id);
    expect(again.code).toBe(1);
    const pauseId = failedHistory.entries[1].id;
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'ILLEGAL_TRANSITION', details: { unfinishedTransitionId: pauseId } } });
    expect(again.stderr).toMatch(new RegExp(`Transition ${pauseId} \\(pause, failed in its after phase, attempt 1\\) is unfinished: \`permafrost retry ${id}\``));

    expect(await ws().retryTransition(id)).toMatchObject({ retried: true, result: { attempt: 2 } });
    await app.resolve(ColdStorageService).settle(id);
    const archived = await inspector().describe(id);
    const afterArchive = await truth(id);
    expect(afterArchive).toMatchObject({ hot: 0, hotInternal: 0, cold: EVENTS, coldInternal: original.hotInternal });
    expect(numbers(archived)).toEqual(afterArchive);
    expect(archived.cold!.tables[0]!.partitions.every((p) => p.parts! >= 1 && p.bytesOnDisk > 0)).toBe(true);
    expect(archived).toMatchObject({
      workspace: { status: 'Paused', coldStorageState: 'archived', coldStorageStrategy: 'table' },
      cold: { reachable: true, rows: EVENTS, source: 'system.parts metadata' },
      lastFailure: { code: 'HOOK_FAILED', causeCode: 'COLD_STORAGE_UNREACHABLE', resolved: true, attempt: 1 },
      nextAction: { action: 'none' },
    });

    // Events a writer outside Permafrost sends while Paused stay hot: the next action is an archive.
    await insertUserEvents(ch, id, events(30, 8, `late-${id.slice(0, 8)}`));
    expect(await inspector().describe(id)).toMatchObject({ hot: { rows: 30 }, nextAction: { action: 'archive', command: `permafrost archive ${id}` } });

    await ws().resumeWorkspace(id);
    const resumed = await inspector().describe(id);
    expect(numbers(resumed)).toEqual({ ...(await truth(id)), hot: EVENTS + 30, cold: 0, coldInternal: 0, coldMonths: [] });
    expect(resumed).toMatchObject({ workspace: { status: 'Active', coldStorageState: 'none' }, nextAction: { action: 'none' }, lastFailure: null });

    // The whole story, newest first; attempts and durations as recorded; pages of one cover it exactly once.
    const full = await inspector().history(id, { limit: 200 });
    // A restore runs inside before:resume and an archive inside after:pause: each starts after its transition.
    expect(full.entries.map((e) => `${e.kind} ${e.operation} ${e.state} ${e.attempts}`)).toEqual([
      'cold-storage-operation restore completed 1', 'transition resume completed 1',
      'cold-storage-operation archive completed 2', 'transition pause completed 2',
    ]);
    expect(full.entries.map((e) => e.startedAt)).toEqual([...full.entries.map((e) => e.startedAt)].sort().reverse());
    for (const e of full.entries) {
      expect(Number.isInteger(e.durationMs)).toBe(true);
      expect(e.error).toBeNull();
    }
    const pause = full.entries.find((e) => e.operation === 'pause')!;
    expect(pause.failures).toEqual([expect.objectContaining({ attempt: 1, causeCode: 'COLD_STORAGE_UNREACHABLE' })]);
    const archive = full.entries.find((e) => e.operation === 'archive')!;
    expect(archive.steps.filter((s) => /^archive:events:\d+$/.test(s.key)).map((s) => Number(s.key.split(':')[2])).sort()).toEqual(afterArchive.coldMonths);
    expect(archive.detail).toMatchObject({ strategy: 'table', rows: EVENTS, months: afterArchive.coldMonths });
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const args = ['history', id, '--limit', '1', ...(cursor ? ['--cursor', cursor] : [])];
      const page = await json('history', ...args);
      expect(page.entries.length).toBeLessThanOrEqual(1);
      paged.push(...page.entries.map((e: { id: string }) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(full.entries.map((e) => e.id));
  }, 300_000);

  it('status --all pages through every workspace exactly once; filters and --data agree with the tables', async () => {
    const created: string[] = [];
    for (let i = 0; i < 9; i++) created.push((await ws().createWorkspace({ name: `page-${i}-${randomUUID()}` })).id);
    for (const id of created.slice(0, 3)) await ws().pauseWorkspace(id); // nothing to archive: quick
    const withEvents = created[3]!;
    await insertUserEvents(ch, withEvents, events(200, 9, withEvents.slice(0, 8)));
    // One failure left unretried: S3 down during its archive.
    await stopS3();
    await ws().pauseWorkspace(withEvents).catch(() => undefined);
    await startS3();

    const all: string[] = (await ds().query(`SELECT id::text AS id FROM workspace ORDER BY id`)).map((r: { id: string }) => r.id);
    expect(all.length).toBeGreaterThanOrEqual(10);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await inspector().listStatuses({ limit: 3, cursor });
      expect(page.workspaces.length).toBeLessThanOrEqual(3);
      seen.push(...page.workspaces.map((w) => w.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all);

    const cliSeen: string[] = [];
    cursor = undefined;
    do {
      const page = await json('status', 'status', '--all', '--limit', '4', ...(cursor ? ['--cursor', cursor] : []));
      cliSeen.push(...page.workspaces.map((w: { id: string }) => w.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(cliSeen).toEqual(all);

    const paused: string[] = (await ds().query(`SELECT id::text AS id FROM workspace WHERE status = 'Paused' ORDER BY id`)).map((r: { id: string }) => r.id);
    const pausedPage = await json('status', 'status', '--all', '--status', 'Paused', '--limit', '500');
    expect(pausedPage.workspaces.map((w: { id: string }) => w.id)).toEqual(paused);
    const failing = await json('status', 'status', '--all', '--failed');
    expect(failing.workspaces.map((w: { id: string }) => w.id)).toEqual([withEvents]);
    expect(failing.workspaces[0]).toMatchObject({ coldStorageState: 'failed', failure: { code: 'HOOK_FAILED' }, nextAction: { action: 'retry', operation: 'pause' }, hotRows: null, coldRows: null });
    expect((await inspector().listStatuses({ coldState: 'failed' })).workspaces.map((w) => w.id)).toEqual([withEvents]);
    expect((await inspector().listStatuses({ hasFailure: false, limit: 500 })).workspaces.map((w) => w.id)).toEqual(all.filter((x) => x !== withEvents));

    const data = await inspector().listStatuses({ withData: true, limit: 500 });
    for (const row of data.workspaces) {
      const t = await truth(row.id);
      expect({ id: row.id, hot: row.hotRows, cold: row.coldRows }).toEqual({ id: row.id, hot: t.hot, cold: t.cold });
    }
    expect(data.workspaces.find((w) => w.id === withEvents)).toMatchObject({ hotRows: 200, nextAction: { action: 'retry' } });

    const human = await cli('status', '--all', '--limit', '2');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/workspace\s+name\s+status\s+cold storage\s+last transition\s+failure\s+next/);
    expect(human.stdout).toMatch(/more: add --cursor \S+/);
    expect(await json('describe', 'describe', withEvents)).toMatchObject({ lastFailure: { causeCode: 'COLD_STORAGE_UNREACHABLE' } });
    // status <workspace> keeps its own output.
    const one = await cli('--json', 'status', created[0]!);
    expect(JSON.parse(one.stdout)).toMatchObject({ ok: true, data: { workspaces: [{ id: created[0], status: 'Paused', coldStorage: 'none' }] } });
  }, 300_000);

  it('a workspace archived by the parquet strategy: describe lists its objects, with rows S3 itself counts', async () => {
    const id = (await ws().createWorkspace({ name: `parquet-${randomUUID()}` })).id;
    await insertUserEvents(ch, id, events(300, 11, id.slice(0, 8)));
    const hotInternal = await count(`SELECT count() AS n FROM internal_events WHERE workspace_id = {ws:String}`, { ws: id });
    const paused = await cli('--json', '--strategy', 'parquet', 'pause', id);
    expect(paused.code).toBe(0);
    const d = await json('describe', 'describe', id);
    expect(d).toMatchObject({ workspace: { status: 'Paused', coldStorageState: 'archived', coldStorageStrategy: 'parquet' }, cold: { reachable: true, strategy: 'parquet', tables: [], source: 'S3 listing of the workspace prefix' } });
    const objects = d.cold.objects as Array<{ key: string; table: string; month: number; rows: number; bytes: number }>;
    expect(objects.filter((o) => o.table === 'user_events_v2').reduce((n, o) => n + o.rows, 0)).toBe(300);
    expect(objects.filter((o) => o.table === 'internal_events').reduce((n, o) => n + o.rows, 0)).toBe(hotInternal);
    expect(d.cold.rows).toBe(300);
    // Asked of S3 here, independently: every listed object exists and holds the rows describe says.
    for (const o of objects.slice(0, 3)) {
      const n = await count(`SELECT count() AS n FROM s3({url:String}, 'S3RVER', 'S3RVER', 'Parquet')`, { url: `${s3Location.endpoint}/${s3Location.bucket}/${o.key}` });
      expect({ key: o.key, rows: n }).toEqual({ key: o.key, rows: o.rows });
      expect(o.bytes).toBeGreaterThan(0);
      expect(String(o.month)).toMatch(/^\d{6}$/);
    }
  }, 180_000);

  it('bad input: typed errors in the envelope (exit 1) or usage errors (exit 2); nothing is read', async () => {
    const missing = randomUUID();
    for (const [args, code] of [
      [['describe', missing], 'NOT_FOUND'], [['history', 'not-a-uuid'], 'NOT_FOUND'], [['history', missing], 'NOT_FOUND'],
      [['status', '--all', '--cursor', 'bogus'], 'INVALID_INPUT'], [['history', missing, '--cursor', Buffer.from('{"at":"x"}').toString('base64url')], 'INVALID_INPUT'],
      [['status', missing, '--all'], 'INVALID_INPUT'], [['status', '--failed'], 'INVALID_INPUT'],
    ] as const) {
      const result = await cli('--json', ...args);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(JSON.parse(result.stdout)).toMatchObject({ schemaVersion: 1, ok: false, error: { code, message: expect.any(String), details: expect.any(Object) } });
    }
    for (const args of [['status', '--all', '--limit', '0'], ['status', '--all', '--status', 'Frozen'], ['history', missing, '--limit', '999'], ['describe']]) {
      expect({ args, code: (await cli(...args)).code }).toEqual({ args, code: 2 });
    }
  }, 120_000);
});
