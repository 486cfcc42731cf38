import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { coldStorage, ColdStorageService, parquetStrategy, type ArchiveReport, type RestoreReport } from '@permafrost/plugin-cold-storage';
import { generateEvents } from './userEvents/generate';
import { startTestApp, snapshotWorkspace, waitForMutations, type TestApp } from './testing';
import type { TransitionResult } from '@permafrost/core';

// Integration: embedded ClickHouse (chDB) with the S3 cold_storage policy on s3rver, embedded Postgres.
// Reversible round trips through the cold storage plugin, for each strategy.
const EVENTS = 4000;

describe.each(['table', 'parquet'])('cold storage round trip (%s strategy)', (strategy) => {
  let t: TestApp;
  beforeAll(async () => {
    const { startTestStack } = await import('@permafrost/dev-stack/testing');
    const stack = await startTestStack();
    t = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, strategy, strategies: [parquetStrategy], pageRows: 150 })] });
  });
  afterAll(async () => {
    await t?.stop();
    await t?.stack.stop();
  });

  const seed = async (seedValue: number) => {
    const ws = await t.workspaces.createWorkspace({ name: `rt-${randomUUID()}`, externalId: `ext-${randomUUID()}` });
    await t.events.insertUserEvents(ws.id, [...generateEvents({ count: EVENTS, months: 12, seed: seedValue, idPrefix: ws.id.slice(0, 8) })]);
    return ws.id;
  };
  const coldState = async (id: string) =>
    (await t.app.resolve(DataSource).query(`SELECT cold_storage_state AS state, cold_storage_strategy AS strategy FROM workspace WHERE id = $1`, [id]))[0];
  const count = async (sql: string, ws: string) => Number((await t.ch.one<{ n: string }>(sql, { ws })).n);
  // Whichever strategy holds it: the plugin's own dry run reads the cold side.
  const coldRows = async (ws: string) => (await t.app.resolve(ColdStorageService).plan(ws)).cold.rows;
  const hotRows = (ws: string) => count(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, ws);
  const internalRows = (ws: string) => count(`SELECT count() AS n FROM internal_events WHERE workspace_id = {ws:String}`, ws);
  const detail = <T>(result: TransitionResult, point: string) => result.outcomes.find((o) => o.plugin === 'cold-storage' && o.point === point)!.detail as unknown as T;

  it.each([
    ['pause', 'resume', 'Paused'],
    ['tombstone', 'untombstone', 'Tombstoned'],
  ] as const)('%s → %s brings every event back byte-identical and frees the cold copy', async (away, back, awayStatus) => {
    const ws = await seed(7);
    const neighbour = await seed(8);
    const before = await snapshotWorkspace(t.ch, ws);
    const neighbourBefore = await snapshotWorkspace(t.ch, neighbour);
    expect(before.events.rows).toBe(EVENTS);
    expect(before.internal.rows).toBeGreaterThan(50);

    const progress: Array<{ step: string; done: number; total?: number }> = [];
    t.app.emitter.on('progress', (p) => progress.push(p));
    const archived = await (away === 'pause' ? t.workspaces.pauseWorkspace(ws) : t.workspaces.tombstoneWorkspace(ws));
    const archive = detail<ArchiveReport>(archived, `after:${away}`);
    expect(archive).toMatchObject({ outcome: 'archived', rows: EVENTS, strategy });
    expect(archive.months).toHaveLength(12);
    expect(progress.filter((p) => p.step === 'archive').map((p) => p.done)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect((await t.workspaces.getWorkspace(ws)).status).toBe(awayStatus);
    expect(await coldState(ws)).toEqual({ state: 'archived', strategy });

    await waitForMutations(t.ch, ws);
    // The background deletes keep their statement in system.mutations: it must not carry the S3 secret.
    const commands = await t.ch.rows<{ command: string }>(`SELECT command FROM system.mutations WHERE position(command, {ws:String}) > 0`, { ws });
    expect(commands.length).toBeGreaterThan(0);
    for (const { command } of commands) expect(command).not.toContain(t.stack.s3.secretAccessKey);
    expect(await hotRows(ws)).toBe(0);
    expect(await internalRows(ws)).toBe(0);
    expect(await coldRows(ws)).toBe(EVENTS);
    expect(await snapshotWorkspace(t.ch, neighbour)).toEqual(neighbourBefore);

    const restored = await (back === 'resume' ? t.workspaces.resumeWorkspace(ws) : t.workspaces.activateTombstonedWorkspace(ws));
    const restore = detail<RestoreReport>(restored, `before:${back}`);
    expect(restore).toMatchObject({ outcome: 'restored', rows: EVENTS, objectsLeft: 0 });
    expect(restore.objectsFreed).toBeGreaterThan(0);
    expect(restore.months.some((m) => m.pages > 1)).toBe(true); // pages inside partitions were exercised
    expect((await t.workspaces.getWorkspace(ws)).status).toBe('Active');
    expect(await coldState(ws)).toEqual({ state: 'none', strategy: null });

    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
    expect(await coldRows(ws)).toBe(0);
    expect(await snapshotWorkspace(t.ch, neighbour)).toEqual(neighbourBefore);
  });

  it('says so when there is nothing to do', async () => {
    const empty = (await t.workspaces.createWorkspace({ name: `empty-${randomUUID()}` })).id;
    const paused = await t.workspaces.pauseWorkspace(empty);
    expect(detail<ArchiveReport>(paused, 'after:pause')).toMatchObject({ outcome: 'noop', note: expect.stringMatching(/no events/) });
    const resumed = await t.workspaces.resumeWorkspace(empty);
    expect(detail<RestoreReport>(resumed, 'before:resume')).toMatchObject({ outcome: 'noop', note: expect.stringMatching(/nothing to restore/) });

    const ws = await seed(9);
    await t.workspaces.pauseWorkspace(ws);
    const tombstoned = await t.workspaces.tombstoneWorkspace(ws); // already archived while paused
    expect(detail<ArchiveReport>(tombstoned, 'after:tombstone')).toMatchObject({ outcome: 'noop', note: expect.stringMatching(/already archived/) });
    await t.workspaces.activateTombstonedWorkspace(ws);
    expect(await hotRows(ws)).toBe(EVENTS);
  });
});

describe('cold storage strategy switch', () => {
  it('restores a workspace with the strategy that archived it, whatever the default is now', async () => {
    const { startTestStack } = await import('@permafrost/dev-stack/testing');
    const stack = await startTestStack();
    const first = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, strategy: 'table', strategies: [parquetStrategy] })] });
    try {
      const ws = (await first.workspaces.createWorkspace({ name: `switch-${randomUUID()}` })).id;
      await first.events.insertUserEvents(ws, [...generateEvents({ count: 500, seed: 11, idPrefix: ws.slice(0, 8) })]);
      const before = await snapshotWorkspace(first.ch, ws);
      await first.workspaces.pauseWorkspace(ws);
      await first.app.shutdown();

      // The operator changes the default strategy and restarts.
      const second = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, strategy: 'parquet', strategies: [parquetStrategy] })] });
      try {
        expect(await second.app.resolve(ColdStorageService).plan(ws)).toMatchObject({ strategy: 'table', cold: { rows: 500 } });
        const resumed = await second.workspaces.resumeWorkspace(ws);
        const report = resumed.outcomes.find((o) => o.plugin === 'cold-storage')!.detail as unknown as RestoreReport;
        expect(report).toMatchObject({ strategy: 'table', rows: 500 });
        expect(await snapshotWorkspace(second.ch, ws)).toEqual(before);
      } finally {
        await second.app.shutdown();
      }
    } finally {
      await stack.stop();
    }
  });
});
