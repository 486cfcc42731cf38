import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import { ClickHouse, generateEvents, insertUserEvents } from '@permafrost/backend-lib';
import { startTestApp, type TestApp } from '@permafrost/backend-lib/testing';
import { repoRoot, spawnEngineServer, type EngineServerProcess } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir } from '@permafrost/dev-stack/testing';
import { parseExposition, sum, type Sample } from '@permafrost/plugin-metrics/testing';

// Integration: a real `permafrost worker --metrics-port 0` process (compiled CLI) on the test file's
// Postgres and an engine server (chDB), with cold storage; /metrics scraped over HTTP from this process.
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
const EVENTS = 300;

describe('permafrost worker --metrics-port', () => {
  let t: TestApp;
  let engine: EngineServerProcess;
  let env: NodeJS.ProcessEnv;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    buildProject('packages/cli');
    t = await startTestApp({ jobs: { expireInSeconds: 30, retryDelaySeconds: 1, maintenanceIntervalSeconds: 1 } });
    engine = await spawnEngineServer({ dataPath: testTempDir('metrics-engine'), s3: t.stack.s3, s3RetryAttempts: 3 });
    env = { ...process.env, DATABASE_URL: t.stack.postgresUrl, PERMAFROST_CLICKHOUSE_URL: engine.url, PERMAFROST_DATA_DIR: testTempDir('metrics-worker'), NO_COLOR: '1' };
  }, 180_000);
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await engine?.stop();
    await t?.stop();
  });

  const scrape = async (url: string): Promise<Sample[]> => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return parseExposition(await response.text());
  };

  it('refuses a bad --metrics-port before starting anything', async () => {
    // Postgres on a port nothing listens on: had the worker connected first, that would be the error.
    const unreachable = { ...env, DATABASE_URL: 'postgres://permafrost@127.0.0.1:1/permafrost' };
    for (const port of ['80a', '70000']) {
      const result = await runNode(bin, ['worker', '--metrics-port', port], unreachable);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/metrics.port must be a (port|whole) number from 0 to 65535/);
      expect(result.stderr).not.toMatch(/postgres|ECONNREFUSED/i);
    }
  });

  it('serves /metrics while it runs: a queued pause it finishes shows up, and SIGTERM closes the server; LOG_LEVEL=debug shows each hook', async () => {
    // LOG_LEVEL alone (PERMAFROST_LOG_LEVEL empty): the CLI's logger honours the conventional variable.
    const child = spawn(process.execPath, [bin, '--json', 'worker', '--concurrency', '1', '--reconcile-cron', 'off', '--metrics-port', '0'], { env: { ...env, LOG_LEVEL: 'debug', PERMAFROST_LOG_LEVEL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    worker = child;
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const ready = await new Promise<{ metrics: string }>((done, fail) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.includes('"ready":true'));
        if (line) done(JSON.parse(line).data); // the envelope: { schemaVersion, command, ok, data }
      });
      void exited.then((code) => fail(new Error(`worker exited (${code}) before ready: ${err}`)));
    });
    expect(ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const before = await scrape(ready.metrics);
    expect(sum(before, 'permafrost_transitions_total')).toBe(0);

    const ws = (await t.workspaces.createWorkspace({ name: `metrics-worker-${randomUUID()}` })).id;
    const client = createClient({ url: engine.url });
    await insertUserEvents(new ClickHouse(client), ws, [...generateEvents({ count: EVENTS, months: 2, internalShare: 0, idPrefix: ws.slice(0, 8) })]);
    await client.close();
    const op = await t.workspaces.requestTransition(ws, 'pause');
    expect(await t.workspaces.waitFor(op, { timeoutMs: 60_000 })).toMatchObject({ state: 'completed', to: 'Paused' });

    const after = await scrape(ready.metrics);
    expect({
      pauses: sum(after, 'permafrost_transitions_total', { transition: 'pause', result: 'completed' }),
      archived: sum(after, 'permafrost_rows_archived_total', { table: 'user_events_v2', strategy: 'table' }),
      inFlight: sum(after, 'permafrost_transitions_in_flight'),
      coldTables: after.filter((s) => s.name === 'permafrost_cold_parts').length,
    }).toEqual({ pauses: 1, archived: EVENTS, inFlight: 0, coldTables: 4 });

    const hooks = err.split('\n').filter((l) => l.includes('"msg":"hook finished"')).map((l) => JSON.parse(l));
    expect(hooks).toContainEqual(expect.objectContaining({ level: 20, workspaceId: ws, transitionId: op, point: 'after:pause', plugin: 'cold-storage', ok: true, durationMs: expect.any(Number) }));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    worker = undefined;
    await expect(fetch(ready.metrics)).rejects.toThrow();
  }, 180_000);
});
