import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { HookFailedError, TransitionVetoedError } from '@permafrost/core';
import { definePlugin, PermafrostError, TRANSITION_NAMES } from '@permafrost/core/plugin';
import { generateEvents } from '@permafrost/backend-lib';
import { startTestApp, waitForMutations, type TestApp } from '@permafrost/backend-lib/testing';
import { startTestStack } from '@permafrost/dev-stack/testing';
import { coldStorage, COLD_INTERNAL_TABLE, COLD_STORAGE_PLUGIN, COLD_TABLE } from '@permafrost/plugin-cold-storage';
import { metricsPlugin, serveMetrics, type MetricsServer } from './index';
import { scrape, sum, type Sample } from './testing/exposition';

// Integration: embedded ClickHouse (chDB) + Postgres + S3 (s3rver), the cold storage plugin and the metrics
// plugin, scraped over HTTP from a real server on a real port. Every assertion is a delta between two
// scrapes, equal to what the test did or to what the databases say was moved.
const EVENTS = 1500;
const MONTHS = 6;

class QuotaUnavailableError extends PermafrostError {
  readonly code = 'QUOTA_UNAVAILABLE';
}

const policy = { veto: false, failBefore: false, duringPause: undefined as undefined | (() => Promise<void>) };
const policyPlugin = definePlugin({
  name: 'policy',
  dependsOn: [COLD_STORAGE_PLUGIN],
  init({ emitter }) {
    emitter.tap('check:pause', () => {
      if (policy.veto) throw new Error('workspace is under legal hold');
    });
    emitter.tap('before:pause', async (p) => {
      await policy.duringPause?.();
      if (policy.failBefore) throw new QuotaUnavailableError('quota service down', { workspaceId: p.workspaceId });
    });
  },
});

describe('metrics plugin on the embedded stack (chDB, Postgres, s3rver) with cold storage, scraped over HTTP', () => {
  let t: TestApp;
  let server: MetricsServer;
  const metrics = metricsPlugin();

  beforeAll(async () => {
    const stack = await startTestStack();
    t = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, pageRows: 500 }), policyPlugin, metrics] });
    server = await serveMetrics({ registry: metrics.registry, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await t?.stop();
    await t?.stack.stop();
  });
  afterEach(() => {
    Object.assign(policy, { veto: false, failBefore: false, duringPause: undefined });
  });

  const delta = (before: Sample[], after: Sample[]) => (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);
  const count = async (sql: string, params: Record<string, unknown>) => Number((await t.ch.one<{ n: string }>(sql, params)).n);
  const hotRows = (table: string, ws: string) => count(`SELECT count() AS n FROM ${table} WHERE workspace_id = {ws:String}`, { ws });
  const activeParts = (table: string) => count(`SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active`, { table });
  const inFlight = (samples: Sample[]) => Object.fromEntries(TRANSITION_NAMES.map((tr) => [tr, sum(samples, 'permafrost_transitions_in_flight', { transition: tr })]));
  const idle = Object.fromEntries(TRANSITION_NAMES.map((tr) => [tr, 0]));

  it('a pause and a resume move transitions, hook timings, rows and bytes by exactly what was done', async () => {
    const ws = (await t.workspaces.createWorkspace({ name: `metrics-${randomUUID()}` })).id;
    await t.events.insertUserEvents(ws, [...generateEvents({ count: EVENTS, months: MONTHS, end: new Date(Date.UTC(2026, 0, 1)), seed: 11, idPrefix: ws.slice(0, 8) })]);
    const seeded = { events: await hotRows('user_events_v2', ws), internal: await hotRows('internal_events', ws) };
    const months = await count(`SELECT uniqExact(toYYYYMM(processing_time)) AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws });
    expect(seeded.events).toBe(EVENTS);
    expect(seeded.internal).toBeGreaterThan(0);

    const before = await scrape(server.url);
    expect(inFlight(before)).toEqual(idle);
    let pausesInFlight = -1;
    policy.duringPause = async () => {
      pausesInFlight = sum(await scrape(server.url), 'permafrost_transitions_in_flight', { transition: 'pause' });
    };
    await t.workspaces.pauseWorkspace(ws);
    await waitForMutations(t.ch, ws);
    const paused = await scrape(server.url);
    const d = delta(before, paused);

    expect(pausesInFlight).toBe(1); // scraped from inside the pause's own before: handler
    expect(inFlight(paused)).toEqual(idle);
    expect({
      completed: d('permafrost_transitions_total', { transition: 'pause', result: 'completed' }),
      failed: d('permafrost_transitions_total', { result: 'failed' }),
      vetoed: d('permafrost_transitions_total', { result: 'vetoed' }),
      durations: d('permafrost_transition_duration_seconds_count', { transition: 'pause', result: 'completed' }),
      failures: d('permafrost_transition_failures_total'),
    }).toEqual({ completed: 1, failed: 0, vetoed: 0, durations: 1, failures: 0 });
    expect({
      check: d('permafrost_hook_duration_seconds_count', { plugin: 'policy', hook: 'check:pause', result: 'ok' }),
      before: d('permafrost_hook_duration_seconds_count', { plugin: 'policy', hook: 'before:pause', result: 'ok' }),
      archive: d('permafrost_hook_duration_seconds_count', { plugin: COLD_STORAGE_PLUGIN, hook: 'after:pause', result: 'ok' }),
      all: d('permafrost_hook_duration_seconds_count'),
    }).toEqual({ check: 1, before: 1, archive: 1, all: 3 });
    // The archive ran inside the pause: its handler's time is positive and within the transition's.
    const archiveSeconds = d('permafrost_hook_duration_seconds_sum', { plugin: COLD_STORAGE_PLUGIN, hook: 'after:pause' });
    expect(archiveSeconds).toBeGreaterThan(0);
    expect(archiveSeconds).toBeLessThanOrEqual(d('permafrost_transition_duration_seconds_sum', { transition: 'pause' }));

    // Rows archived are the seeded rows, per table; bytes are what the operation journaled in Postgres.
    const [op] = await t.app.resolve(DataSource).query(`SELECT bytes FROM cold_storage_operation WHERE workspace_id = $1 AND kind = 'archive' AND state = 'completed'`, [ws]);
    expect({
      events: d('permafrost_rows_archived_total', { table: 'user_events_v2', strategy: 'table' }),
      internal: d('permafrost_rows_archived_total', { table: 'internal_events', strategy: 'table' }),
      bytes: d('permafrost_bytes_archived_total', { strategy: 'table' }),
      operations: d('permafrost_storage_operation_duration_seconds_count', { kind: 'archive', strategy: 'table' }),
      restored: d('permafrost_rows_restored_total'),
    }).toEqual({ events: seeded.events, internal: seeded.internal, bytes: Number(op.bytes), operations: 1, restored: 0 });
    expect(Number(op.bytes)).toBeGreaterThan(0);

    // Cold parts: what system.parts says, and one new part per archived month (a first archive copies each month in one insert).
    expect(sum(paused, 'permafrost_cold_parts', { table: COLD_TABLE })).toBe(await activeParts(COLD_TABLE));
    expect(sum(paused, 'permafrost_cold_parts', { table: COLD_INTERNAL_TABLE })).toBe(await activeParts(COLD_INTERNAL_TABLE));
    expect(d('permafrost_cold_parts', { table: COLD_TABLE })).toBe(months);
    // The wall beside it: the engine's default max_parts_in_total (no table of this test sets its own).
    const engineLimit = Number((await t.ch.one<{ v: string }>(`SELECT value AS v FROM system.merge_tree_settings WHERE name = 'max_parts_in_total'`)).v);
    expect(sum(paused, 'permafrost_cold_parts_allowed', { table: COLD_TABLE })).toBe(engineLimit);

    await t.workspaces.resumeWorkspace(ws);
    const resumed = await scrape(server.url);
    const r = delta(paused, resumed);
    expect(inFlight(resumed)).toEqual(idle);
    expect({
      completed: r('permafrost_transitions_total', { transition: 'resume', result: 'completed' }),
      restore: r('permafrost_hook_duration_seconds_count', { plugin: COLD_STORAGE_PLUGIN, hook: 'before:resume', result: 'ok' }),
      events: r('permafrost_rows_restored_total', { table: 'user_events_v2', strategy: 'table' }),
      // Cold storage's restore report measures no bytes, so it reports none (documented).
      bytes: r('permafrost_bytes_restored_total'),
      operations: r('permafrost_storage_operation_duration_seconds_count', { kind: 'restore', strategy: 'table' }),
      archived: r('permafrost_rows_archived_total'),
    }).toEqual({ completed: 1, restore: 1, events: seeded.events, bytes: 0, operations: 1, archived: 0 });
    expect(await hotRows('user_events_v2', ws)).toBe(seeded.events);
    // The restore freed the workspace's cold partitions: the gauge is back where it was before the pause.
    expect(sum(resumed, 'permafrost_cold_parts', { table: COLD_TABLE })).toBe(sum(before, 'permafrost_cold_parts', { table: COLD_TABLE }));
  });

  it('a veto and a failure count by result and by code, change no data counter, and leave nothing in flight', async () => {
    const ws = (await t.workspaces.createWorkspace({ name: `metrics-fail-${randomUUID()}` })).id;
    await t.events.insertUserEvents(ws, [...generateEvents({ count: 200, months: 2, seed: 12, idPrefix: ws.slice(0, 8) })]);
    const before = await scrape(server.url);

    policy.veto = true;
    await expect(t.workspaces.pauseWorkspace(ws)).rejects.toBeInstanceOf(TransitionVetoedError);
    policy.veto = false;
    policy.failBefore = true;
    await expect(t.workspaces.pauseWorkspace(ws)).rejects.toBeInstanceOf(HookFailedError);

    const after = await scrape(server.url);
    const d = delta(before, after);
    expect({
      vetoed: d('permafrost_transitions_total', { transition: 'pause', result: 'vetoed' }),
      failed: d('permafrost_transitions_total', { transition: 'pause', result: 'failed' }),
      completed: d('permafrost_transitions_total', { result: 'completed' }),
      vetoedDurations: d('permafrost_transition_duration_seconds_count', { transition: 'pause', result: 'vetoed' }),
    }).toEqual({ vetoed: 1, failed: 1, completed: 0, vetoedDurations: 1 });
    expect({
      // The veto's cause is a plain Error (no stable code); the failure's is the handler's typed error.
      veto: d('permafrost_transition_failures_total', { transition: 'pause', code: 'TRANSITION_VETOED', cause: 'UNCODED' }),
      hook: d('permafrost_transition_failures_total', { transition: 'pause', code: 'HOOK_FAILED', cause: 'QUOTA_UNAVAILABLE' }),
      all: d('permafrost_transition_failures_total'),
    }).toEqual({ veto: 1, hook: 1, all: 2 });
    expect({
      checkFailed: d('permafrost_hook_duration_seconds_count', { plugin: 'policy', hook: 'check:pause', result: 'failed' }),
      checkOk: d('permafrost_hook_duration_seconds_count', { plugin: 'policy', hook: 'check:pause', result: 'ok' }),
      beforeFailed: d('permafrost_hook_duration_seconds_count', { plugin: 'policy', hook: 'before:pause', result: 'failed' }),
      archive: d('permafrost_hook_duration_seconds_count', { plugin: COLD_STORAGE_PLUGIN }),
    }).toEqual({ checkFailed: 1, checkOk: 1, beforeFailed: 1, archive: 0 });
    expect({
      archived: d('permafrost_rows_archived_total'),
      bytes: d('permafrost_bytes_archived_total'),
      operations: d('permafrost_storage_operation_duration_seconds_count'),
    }).toEqual({ archived: 0, bytes: 0, operations: 0 });
    expect(inFlight(after)).toEqual(idle);
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Active');
  });

  it('answers only GET and HEAD on /metrics', async () => {
    const other = new URL('/other', server.url).href;
    expect((await fetch(other)).status).toBe(404);
    const post = await fetch(server.url, { method: 'POST' });
    expect({ status: post.status, allow: post.headers.get('allow') }).toEqual({ status: 405, allow: 'GET, HEAD' });
    const head = await fetch(server.url, { method: 'HEAD' });
    expect({ status: head.status, body: await head.text() }).toEqual({ status: 200, body: '' });
    expect(await metrics.render()).toContain('# TYPE permafrost_transitions_total counter');
  });
});
