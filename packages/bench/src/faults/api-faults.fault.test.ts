import { randomUUID } from 'node:crypto';
import type { ClickHouseSettings } from '@clickhouse/client';
import { DataSource } from 'typeorm';
import { HookFailedError, IllegalTransitionError, isPermafrostError, type TransitionName } from '@permafrost/core';
import { definePlugin } from '@permafrost/core/plugin';
import { ClickHouse, DATA_LAYER_PLUGIN, seedEvents } from '@permafrost/backend-lib';
import { startTestApp, snapshotWorkspace, waitForMutations, type TestApp } from '@permafrost/backend-lib/testing';
import { startTestStack } from '@permafrost/dev-stack/testing';
import { coldStorage, ColdStorageService, COLD_TABLE } from '@permafrost/plugin-cold-storage';
import { main as cli } from '@permafrost/cli';
import { hostileIds } from './inputs';
import { recordFault } from './harness';

// Fault suite (run alone: npm run test:faults), in-process on the embedded ClickHouse, S3 and Postgres:
// concurrent ingestion, racing transitions, a ClickHouse statement failing mid-copy, hostile input.
const EVENTS = 1500;
let failColdInserts = 0;

/** Makes the next N inserts into the cold table fail inside ClickHouse, through a real setting. */
class FaultyClickHouse extends ClickHouse {
  override async command(query: string, params?: Record<string, unknown>, settings: ClickHouseSettings = {}) {
    if (failColdInserts > 0 && query.includes(`INSERT INTO ${COLD_TABLE}`)) {
      failColdInserts -= 1;
      // The SELECT side may read one row: the copy dies mid-way with TOO_MANY_ROWS, a real engine error.
      return super.command(query, params, { ...settings, max_rows_to_read: '1', read_overflow_mode: 'throw' });
    }
    return super.command(query, params, settings);
  }
}

describe('faults: ingestion, races, engine errors, hostile input', () => {
  let t: TestApp;
  beforeAll(async () => {
    const stack = await startTestStack();
    const faults = definePlugin({
      name: 'fault-injection',
      dependsOn: [DATA_LAYER_PLUGIN],
      // Provided after the data layer's, so every other plugin (and the app) resolves the faulty one.
      provides: [ClickHouse],
      register: (c) => c.registerInstance(ClickHouse, new FaultyClickHouse(stack.clickhouse)),
    });
    t = await startTestApp({ stack, plugins: [faults, coldStorage({ s3: stack.s3, pageRows: 300, maxConcurrentOperations: 3 })] });
  });
  afterAll(async () => {
    await t?.stop();
    await t?.stack.stop();
  });

  const seed = async (count = EVENTS) => {
    const id = (await t.workspaces.createWorkspace({ name: `f-${randomUUID()}` })).id;
    await seedEvents(t.ch, id, { count, seed: 3, users: 50 });
    return id;
  };
  const n = async (sql: string, ws: string) => Number((await t.ch.one<{ n: string }>(sql, { ws })).n);
  /** Events of the workspace wherever they are: hot and cold together, each exactly once. */
  const account = async (ws: string) => {
    await waitForMutations(t.ch, ws);
    const hot = await n(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, ws);
    const cold = await n(`SELECT count() AS n FROM ${COLD_TABLE} WHERE workspace_id = {ws:String}`, ws);
    const distinct = await n(`SELECT uniqExact(message_id) AS n FROM (SELECT message_id FROM user_events_v2 WHERE workspace_id = {ws:String} UNION ALL SELECT message_id FROM ${COLD_TABLE} WHERE workspace_id = {ws:String})`, ws);
    return { hot, cold, distinct, duplicated: hot + cold - distinct };
  };

  it('events ingested continuously during an archive are never lost nor doubled', async () => {
    const ws = await seed();
    let sent = 0;
    let stop = false;
    const ingest = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 25 }, () => ({ message: { type: 'track', event: 'Live', userId: 'live' }, messageId: `live-${randomUUID()}` }));
        await t.events.insertUserEvents(ws, batch);
        sent += batch.length;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await t.workspaces.pauseWorkspace(ws);
    stop = true;
    await ingest;
    const counts = await account(ws);
    const lost = EVENTS + sent - counts.distinct;
    recordFault({ case: 'ingestion during archive', injected: sent, lost, duplicated: counts.duplicated });
    expect(sent).toBeGreaterThan(0);
    expect({ lost, duplicated: counts.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(counts.cold).toBeGreaterThanOrEqual(EVENTS);
    // What stayed hot is what arrived during the archive; resuming brings the rest back beside it.
    await t.workspaces.resumeWorkspace(ws);
    expect(await account(ws)).toMatchObject({ hot: EVENTS + sent, cold: 0, duplicated: 0 });
  });

  it('pause and tombstone fired at once on one workspace: serialized, both archives consistent', async () => {
    const ws = await seed();
    const before = await snapshotWorkspace(t.ch, ws);
    const results = await Promise.allSettled([t.workspaces.pauseWorkspace(ws), t.workspaces.tombstoneWorkspace(ws)]);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IllegalTransitionError);
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Tombstoned');
    const counts = await account(ws);
    recordFault({ case: 'pause + tombstone race', injected: 1, lost: EVENTS - counts.distinct, duplicated: counts.duplicated });
    expect(counts).toEqual({ hot: 0, cold: EVENTS, distinct: EVENTS, duplicated: 0 });
    await t.workspaces.activateTombstonedWorkspace(ws);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
  });

  it('pause/resume storms on many workspaces end consistent', async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => seed(400)));
    const befores = await Promise.all(ids.map((id) => snapshotWorkspace(t.ch, id)));
    const storm: TransitionName[] = ['pause', 'resume', 'pause', 'pause', 'resume', 'resume'];
    let injected = 0;
    await Promise.all(ids.map(async (id) => {
      await Promise.allSettled(storm.map((transition) => {
        injected += 1;
        return transition === 'pause' ? t.workspaces.pauseWorkspace(id) : t.workspaces.resumeWorkspace(id);
      }));
      // Settle each workspace Active, whatever order the lock granted.
      if ((await t.workspaces.getWorkspace(id)).status === 'Paused') await t.workspaces.resumeWorkspace(id);
    }));
    let lost = 0;
    let duplicated = 0;
    for (const [i, id] of ids.entries()) {
      const counts = await account(id);
      lost += 400 - counts.distinct;
      duplicated += counts.duplicated;
      expect(await snapshotWorkspace(t.ch, id)).toEqual(befores[i]);
    }
    recordFault({ case: 'pause/resume storm', injected, lost, duplicated });
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  }, 600_000);

  it('a ClickHouse statement failing mid-copy: status failed, every hot row intact; retry finishes', async () => {
    const ws = await seed();
    const before = await snapshotWorkspace(t.ch, ws);
    failColdInserts = 1;
    const err = await t.workspaces.pauseWorkspace(ws).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookFailedError);
    expect((err as Error).message).toMatch(/max_rows_to_read/);
    const db = t.app.resolve(DataSource);
    expect((await db.query(`SELECT cold_storage_state AS s FROM workspace WHERE id = $1`, [ws]))[0].s).toBe('failed');
    await waitForMutations(t.ch, ws);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
    expect((await t.app.resolve(ColdStorageService).status(ws)).lastOperation).toMatchObject({ state: 'failed', kind: 'archive' });
    await t.workspaces.retryTransition(ws);
    const counts = await account(ws);
    recordFault({ case: 'clickhouse error mid-copy', injected: 1, lost: EVENTS - counts.distinct, duplicated: counts.duplicated });
    expect(counts).toEqual({ hot: 0, cold: EVENTS, distinct: EVENTS, duplicated: 0 });
    await t.workspaces.resumeWorkspace(ws);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
  });

  it('hostile input to every public lifecycle entry: typed errors, nothing changed', async () => {
    const ws = await seed(300);
    const before = { snapshot: await snapshotWorkspace(t.ch, ws), rows: await t.app.resolve(DataSource).query(`SELECT id, name, status, cold_storage_state FROM workspace ORDER BY id`) };
    const service = t.app.resolve(ColdStorageService);
    const entries: Array<[string, (id: never) => Promise<unknown>]> = [
      ['pauseWorkspace', (id) => t.workspaces.pauseWorkspace(id)],
      ['resumeWorkspace', (id) => t.workspaces.resumeWorkspace(id)],
      ['tombstoneWorkspace', (id) => t.workspaces.tombstoneWorkspace(id)],
      ['activateTombstonedWorkspace', (id) => t.workspaces.activateTombstonedWorkspace(id)],
      ['retryTransition', (id) => t.workspaces.retryTransition(id)],
      ['getWorkspace', (id) => t.workspaces.getWorkspace(id)],
      ['insertUserEvents', (id) => t.events.insertUserEvents(id, [{ message: { type: 'track', event: 'x' } }])],
      ['deleteUsers', (id) => t.events.deleteUsers(id, ['u'])],
      ['plan', (id) => service.plan(id)],
      ['status', (id) => service.status(id)],
      ['sendWorkspaceEventsToColdStorage', (id) => service.sendWorkspaceEventsToColdStorage(id)],
      ['restoreWorkspaceEventsFromColdStorage', (id) => service.restoreWorkspaceEventsFromColdStorage(id)],
    ];
    const inputs = hostileIds();
    expect(inputs.length).toBeGreaterThanOrEqual(100);
    const untyped: string[] = [];
    for (const input of inputs) {
      for (const [name, entry] of entries) {
        const outcome = await entry(input as never).then(() => 'resolved', (e: unknown) => e);
        if (!isPermafrostError(outcome) || !['NOT_FOUND', 'INVALID_INPUT'].includes(outcome.code)) untyped.push(`${name}(${String(input).slice(0, 40)}): ${String(outcome).slice(0, 120)}`);
      }
    }
    // The CLI refuses the same ids before starting anything (exit 1, typed code), and usage errors exit 2.
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const input of inputs.filter((i): i is string => typeof i === 'string' && i.length > 0 && !/^[0-9a-f-]{36}$/i.test(i.trim()) && !i.startsWith('-'))) {
        for (const command of ['pause', 'resume', 'tombstone', 'untombstone', 'retry', 'plan', 'status']) {
          const code = await cli(['node', 'permafrost', '--json', command, input]);
          if (code !== 1) untyped.push(`cli ${command} ${input.slice(0, 40)}: exit ${code}`);
        }
      }
    } finally {
      write.mockRestore();
      out.mockRestore();
    }
    const after = { snapshot: await snapshotWorkspace(t.ch, ws), rows: await t.app.resolve(DataSource).query(`SELECT id, name, status, cold_storage_state FROM workspace ORDER BY id`) };
    recordFault({ case: 'hostile input', injected: inputs.length * entries.length, lost: before.snapshot.events.rows - after.snapshot.events.rows, duplicated: 0 });
    expect(untyped).toEqual([]);
    expect(after).toEqual(before);
  });
});
