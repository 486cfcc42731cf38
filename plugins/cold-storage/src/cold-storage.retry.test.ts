import { randomUUID } from 'node:crypto';
import { HookFailedError } from '@permafrost/core';
import { generateEvents } from '@permafrost/backend-lib';
import { startTestApp, snapshotWorkspace, waitForMutations, type TestApp } from '@permafrost/backend-lib/testing';
import { startTestStack } from '@permafrost/dev-stack/testing';
import { DataSource } from 'typeorm';
import { ColdStorageService } from './cold-storage-service';
import { coldStorage } from './plugin';
import { COLD_TABLE, tableStrategy } from './strategies/table';
import type { StrategyDefinition } from './strategies/types';

// Integration: embedded ClickHouse + S3 (s3rver) + Postgres. Faults are injected in a strategy wrapper
// around the real table strategy, between real ClickHouse statements.
const EVENTS = 3000;
const faults = { failArchiveAtCall: 0, failRestoreAtCall: 0, afterLastMonth: undefined as undefined | (() => Promise<void>) };
let archiveCalls = 0;
let restoreCalls = 0;

const faulty: StrategyDefinition = {
  name: 'faulty-table',
  migrations: tableStrategy.migrations,
  create(deps) {
    const inner = tableStrategy.create(deps);
    return {
      ...inner,
      name: 'faulty-table',
      archiver: {
        async archiveMonth(ctx, month) {
          archiveCalls += 1;
          if (archiveCalls === faults.failArchiveAtCall) throw new Error(`injected failure before month ${month}`);
          const result = await inner.archiver.archiveMonth(ctx, month);
          if (month === 202512 && faults.afterLastMonth) await faults.afterLastMonth();
          return result;
        },
      },
      restorer: {
        async restoreMonth(ctx, month) {
          restoreCalls += 1;
          if (restoreCalls === faults.failRestoreAtCall) throw new Error(`injected failure before restoring month ${month}`);
          return inner.restorer.restoreMonth(ctx, month);
        },
        finish: (ctx, keys) => inner.restorer.finish(ctx, keys),
      },
    };
  },
};

describe('cold storage: failures and retries', () => {
  let t: TestApp;
  beforeAll(async () => {
    const stack = await startTestStack();
    t = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, strategy: 'faulty-table', strategies: [faulty], pageRows: 100 })] });
  });
  afterAll(async () => {
    await t?.stop();
    await t?.stack.stop();
  });
  beforeEach(() => {
    archiveCalls = 0;
    restoreCalls = 0;
    faults.failArchiveAtCall = 0;
    faults.failRestoreAtCall = 0;
    faults.afterLastMonth = undefined;
  });

  const seed = async () => {
    const ws = (await t.workspaces.createWorkspace({ name: `retry-${randomUUID()}` })).id;
    await t.events.insertUserEvents(ws, [...generateEvents({ count: EVENTS, months: 12, end: new Date(Date.UTC(2026, 0, 1)), seed: 3, idPrefix: ws.slice(0, 8) })]);
    return ws;
  };
  const n = async (sql: string, ws: string) => Number((await t.ch.one<{ n: string }>(sql, { ws })).n);
  const hot = (ws: string) => n(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, ws);
  const hotDistinct = (ws: string) => n(`SELECT uniqExact(message_id) AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, ws);
  const cold = (ws: string) => n(`SELECT count() AS n FROM ${COLD_TABLE} WHERE workspace_id = {ws:String}`, ws);
  const coldState = async (ws: string) => (await t.app.resolve(DataSource).query(`SELECT cold_storage_state AS s FROM workspace WHERE id = $1`, [ws]))[0].s;

  it('an archive interrupted after some partitions leaves every hot row; the retry finishes with exact counts', async () => {
    const ws = await seed();
    const before = await snapshotWorkspace(t.ch, ws);
    faults.failArchiveAtCall = 5;
    const err = await t.workspaces.pauseWorkspace(ws).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookFailedError);
    expect(err).toMatchObject({ statusChanged: true, plugin: 'cold-storage' });
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Paused');
    expect(await coldState(ws)).toBe('failed');
    await waitForMutations(t.ch, ws);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before); // nothing hot was deleted
    const partial = await cold(ws);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(EVENTS);
    const status = await t.app.resolve(ColdStorageService).status(ws);
    expect(status.lastOperation).toMatchObject({ kind: 'archive', state: 'failed', error: expect.stringContaining('injected failure') });

    const retry = await t.workspaces.retryTransition(ws);
    expect(retry.retried).toBe(true);
    await waitForMutations(t.ch, ws);
    expect(await cold(ws)).toBe(EVENTS);
    expect(await hot(ws)).toBe(0);
    expect(await coldState(ws)).toBe('archived');

    await t.workspaces.resumeWorkspace(ws);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
    expect(await cold(ws)).toBe(0);
  });

  it('every statement of an operation names it in its query id; a retry first stops whatever an earlier attempt left running', async () => {
    const ws = await seed();
    // What reaches the client: statement text, bound parameters, query id (chDB ignores the id; a server keeps it).
    const seen: Array<{ query: string; params: Record<string, unknown>; queryId?: string }> = [];
    const client = t.ch.client;
    const spies = (['command', 'query', 'insert'] as const).map((method) => {
      const original = client[method].bind(client) as (p: { query?: string; table?: string; query_params?: Record<string, unknown>; query_id?: string }) => Promise<unknown>;
      return jest.spyOn(client, method).mockImplementation(((p: { query?: string; table?: string; query_params?: Record<string, unknown>; query_id?: string }) => {
        seen.push({ query: p.query ?? `INSERT INTO ${p.table}`, params: p.query_params ?? {}, queryId: p.query_id });
        return original(p);
      }) as never);
    });
    try {
      faults.failArchiveAtCall = 5;
      await t.workspaces.pauseWorkspace(ws).catch(() => undefined);
      const op = (await t.app.resolve(ColdStorageService).status(ws)).lastOperation!;
      const prefix = `permafrost-op-${op.id}-`;
      const first = seen.splice(0);
      const copies = first.filter((s) => s.query.startsWith('INSERT INTO') && s.query.includes('SELECT'));
      expect(copies.length).toBeGreaterThan(0);
      expect(copies.filter((s) => !s.queryId?.startsWith(prefix))).toEqual([]);

      await t.workspaces.retryTransition(ws);
      await waitForMutations(t.ch, ws);
      const kill = seen.findIndex((s) => s.query.startsWith('KILL QUERY'));
      expect(seen[kill]).toMatchObject({ query: expect.stringContaining('startsWith(query_id, {prefix:String})'), params: { prefix } });
      const ofOperation = seen.map((s, i) => [i, s.queryId] as const).filter(([, id]) => id?.startsWith(prefix));
      expect(ofOperation.length).toBeGreaterThan(0);
      expect(ofOperation.every(([i]) => i > kill)).toBe(true); // stopped before this attempt issued anything
      // A new attempt part: the server would refuse an id that an earlier attempt's statement still holds.
      const attempt = (id: string) => id.slice(prefix.length).split('-')[0];
      const earlier = new Set(copies.map((s) => attempt(s.queryId!)));
      expect(ofOperation.filter(([, id]) => earlier.has(attempt(id!)))).toEqual([]);
      expect(await cold(ws)).toBe(EVENTS);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('events that arrive between the copy and the delete stay hot; a later archive takes them', async () => {
    const ws = await seed();
    const before = await snapshotWorkspace(t.ch, ws);
    const late = [
      { message: { type: 'track', event: 'Late Now', userId: 'late' }, messageId: `late-now-${randomUUID()}` },
      // A backfill into an archived month, with an old processing_time: committed after the archive began, so not its row.
      { message: { type: 'track', event: 'Late Backfill', userId: 'late' }, messageId: `late-old-${randomUUID()}`, processingTime: '2025-06-15T12:00:00.000Z' },
    ];
    faults.afterLastMonth = async () => void (await t.events.insertUserEvents(ws, late));
    await t.workspaces.pauseWorkspace(ws);
    await waitForMutations(t.ch, ws);
    expect(await cold(ws)).toBe(EVENTS);
    const survivors = await t.ch.rows<{ message_id: string }>(`SELECT message_id FROM user_events_v2 WHERE workspace_id = {ws:String} ORDER BY message_id`, { ws });
    expect(survivors.map((r) => r.message_id).sort()).toEqual(late.map((e) => e.messageId).sort());

    // Tombstoning the paused workspace archives what stayed hot, merging into the existing months.
    faults.afterLastMonth = undefined;
    await t.workspaces.tombstoneWorkspace(ws);
    await waitForMutations(t.ch, ws);
    expect(await hot(ws)).toBe(0);
    expect(await cold(ws)).toBe(EVENTS + late.length);

    await t.workspaces.activateTombstonedWorkspace(ws);
    expect(await hot(ws)).toBe(EVENTS + late.length);
    expect(await hotDistinct(ws)).toBe(EVENTS + late.length);
    const after = await snapshotWorkspace(t.ch, ws);
    expect(after.events.rows).toBe(before.events.rows + late.length);
  });

  it('a failed restore vetoes the resume; every month is in exactly one place; resuming again finishes it without doubles', async () => {
    const ws = await seed();
    const before = await snapshotWorkspace(t.ch, ws);
    await t.workspaces.pauseWorkspace(ws);
    faults.failRestoreAtCall = 4;
    const err = await t.workspaces.resumeWorkspace(ws).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusChanged: false, plugin: 'cold-storage' });
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Paused');
    const partlyHot = await hot(ws);
    expect(partlyHot).toBeGreaterThan(0);
    expect(partlyHot).toBeLessThan(EVENTS);
    // Months restored before the failure were freed from cold as they moved: hot + cold is every event once.
    expect(partlyHot + (await cold(ws))).toBe(EVENTS);

    await t.workspaces.resumeWorkspace(ws);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
    expect(await cold(ws)).toBe(0);
    expect(await coldState(ws)).toBe('none');
  });

  it('a restore checks cold itself when the month no longer matches what the archive recorded', async () => {
    const ws = await seed();
    await t.workspaces.pauseWorkspace(ws);
    // A row that reached the cold table outside Permafrost after the archive verified the month.
    await t.ch.command(
      `INSERT INTO ${COLD_TABLE} (message_id, workspace_id, server_time, message_raw, processing_time)
       SELECT 'outside-' || toString(number), {ws:String}, toDateTime64('2025-06-15 12:00:00', 3), '{"type":"track","event":"Outside"}', toDateTime64('2025-06-15 12:00:00', 3)
       FROM numbers(3)`, { ws });
    await t.workspaces.resumeWorkspace(ws);
    expect(await hot(ws)).toBe(EVENTS + 3);
    expect(await hotDistinct(ws)).toBe(EVENTS + 3);
    expect(await cold(ws)).toBe(0);
  });

  it('plan() reports partitions, rows and bytes and changes nothing', async () => {
    const ws = await seed();
    const service = t.app.resolve(ColdStorageService);
    const plan = await service.plan(ws);
    // Active: its hot events are live, nothing to archive (the plan used to say "archive").
    expect(plan).toMatchObject({ state: 'none', strategy: 'faulty-table', nextOperation: 'none', cold: { rows: 0 } });
    expect(plan.hot.rows).toBe(EVENTS);
    expect(plan.hot.partitions).toHaveLength(12);
    expect(plan.hot.bytes).toBeGreaterThan(EVENTS * 50);
    expect(await plan).toEqual(await service.plan(ws));
    await t.workspaces.pauseWorkspace(ws);
    const coldPlan = await service.plan(ws);
    expect(coldPlan).toMatchObject({ state: 'archived', nextOperation: 'restore', cold: { rows: EVENTS } });
    expect(coldPlan.cold.bytes).toBeGreaterThan(0);
  });
});
