import { randomUUID } from 'node:crypto';
import { startTestApp, snapshotWorkspace, waitForMutations, type TestApp } from '@permafrost/backend-lib/testing';
import { startTestStack } from '@permafrost/dev-stack/testing';
import type { TransitionResult } from '@permafrost/core';
import { ColdStorageService } from './cold-storage-service';
import { coldStorage } from './plugin';
import type { ArchiveReport, RestoreReport } from './reports';
import { parquetStrategy } from './strategies/parquet';
import { monthlyEvents } from './testing/monthly-events';

// Integration: embedded ClickHouse + S3 (s3rver) + Postgres. A workspace with 442 months of history
// (1989-04 … 2026-01: more months than one insert may create partitions, more than one copy batch).
const MONTHS = 442;
const PER_MONTH = 3;
jest.setTimeout(20 * 60_000);

// The parquet round trip of 442 months takes minutes (it restores month by month through s3()): it runs
// in `npm run test:decades`, the table strategy in `npm test` too.
const STRATEGIES = process.env.PERMAFROST_DECADES_ALL ? ['table', 'parquet'] : ['table'];

describe.each(STRATEGIES)('a workspace with decades of history (%s strategy)', (strategy) => {
  let t: TestApp;
  beforeAll(async () => {
    const stack = await startTestStack();
    t = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, strategy, strategies: [parquetStrategy], pageRows: 1000 })] });
  });
  afterAll(async () => {
    await t?.stop();
    await t?.stack.stop();
  });

  const detail = <T>(result: TransitionResult, point: string) => result.outcomes.find((o) => o.plugin === 'cold-storage' && o.point === point)!.detail as unknown as T;
  const hotMonths = async (ws: string) => Number((await t.ch.one<{ n: string }>(
    `SELECT uniqExact(toYYYYMM(processing_time)) AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws })).n);
  // Tables Permafrost makes for one operation (restore staging, S3 delete helpers) or, in earlier
  // versions, per workspace (parquet key tables): none may outlive the operation that made it.
  const ownTables = async () => (await t.ch.rows<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'permafrost_') ORDER BY name`)).map((r) => r.name);

  it(`archives and restores ${MONTHS} months × ${PER_MONTH} events exactly`, async () => {
    const ws = (await t.workspaces.createWorkspace({ name: `decades-${randomUUID()}` })).id;
    const events = monthlyEvents(ws.slice(0, 8), MONTHS, PER_MONTH);
    await t.events.insertUserEvents(ws, events);
    const before = await snapshotWorkspace(t.ch, ws);
    expect(before.events.rows).toBe(MONTHS * PER_MONTH);
    expect(before.internal.rows).toBe(MONTHS);
    expect(await hotMonths(ws)).toBe(MONTHS);
    const tablesBefore = await ownTables();

    const paused = await t.workspaces.pauseWorkspace(ws);
    const archive = detail<ArchiveReport>(paused, 'after:pause');
    expect(archive).toMatchObject({ outcome: 'archived', strategy, rows: MONTHS * PER_MONTH, internalRows: MONTHS });
    expect(archive.months).toHaveLength(MONTHS);
    expect(archive.months[0]!.month).toBe(198904);
    expect(archive.months[MONTHS - 1]!.month).toBe(202601);
    await waitForMutations(t.ch, ws);
    expect(await hotMonths(ws)).toBe(0);
    const plan = await t.app.resolve(ColdStorageService).plan(ws);
    expect(plan).toMatchObject({ state: 'archived', strategy, nextOperation: 'restore', cold: { rows: MONTHS * PER_MONTH } });
    expect(plan.cold.partitions).toHaveLength(MONTHS);
    expect(await ownTables()).toEqual(tablesBefore);

    const resumed = await t.workspaces.resumeWorkspace(ws);
    const restore = detail<RestoreReport>(resumed, 'before:resume');
    expect(restore).toMatchObject({ outcome: 'restored', strategy, rows: MONTHS * PER_MONTH, objectsLeft: 0 });
    expect(restore.months).toHaveLength(MONTHS);
    expect(restore.objectsFreed).toBeGreaterThanOrEqual(2 * MONTHS);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
    expect((await t.app.resolve(ColdStorageService).plan(ws)).cold.rows).toBe(0);
    expect(await ownTables()).toEqual(tablesBefore);
  });
});
