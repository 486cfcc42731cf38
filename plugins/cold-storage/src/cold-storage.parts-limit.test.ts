import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { HookFailedError } from '@permafrost/core';
import { startTestApp, snapshotWorkspace, waitForMutations, type TestApp } from '@permafrost/backend-lib/testing';
import { startTestStack } from '@permafrost/dev-stack/testing';
import { ColdStorageService } from './cold-storage-service';
import { typedFailure } from './failures';
import { ColdPartsLimitError } from './errors';
import { coldStorage } from './plugin';
import { COLD_INTERNAL_TABLE, COLD_TABLE } from './strategies/table';
import { PARTS_SAFE_SHARE } from './strategies/table/capacity';
import { monthlyEvents } from './testing/monthly-events';

// Integration: embedded ClickHouse + S3 (s3rver) + Postgres. The cold table gets a low max_parts_in_total
// (its own setting, as an operator would set it) so that the part wall is a few workspaces away.
const MONTHS = 12;
const PER_MONTH = 3;

describe('cold storage at the part wall (table strategy)', () => {
  let t: TestApp;
  let service: ColdStorageService;
  beforeAll(async () => {
    const stack = await startTestStack();
    t = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, pageRows: 1000 })] });
    service = t.app.resolve(ColdStorageService);
  });
  afterAll(async () => {
    // The worker's engine outlives this file: leave the cold table as other files expect it.
    await t?.ch.command(`ALTER TABLE ${COLD_TABLE} RESET SETTING max_parts_in_total`).catch(() => undefined);
    await t?.stop();
    await t?.stack.stop();
  });

  const count = async (sql: string, params: Record<string, unknown> = {}) => Number((await t.ch.one<{ n: string }>(sql, params)).n);
  const activeParts = (table: string) => count(`SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active`, { table });
  const coldRows = async (ws: string) =>
    (await count(`SELECT count() AS n FROM ${COLD_TABLE} WHERE workspace_id = {ws:String}`, { ws })) + (await count(`SELECT count() AS n FROM ${COLD_INTERNAL_TABLE} WHERE workspace_id = {ws:String}`, { ws }));
  const seed = async () => {
    const ws = (await t.workspaces.createWorkspace({ name: `wall-${randomUUID()}` })).id;
    await t.events.insertUserEvents(ws, monthlyEvents(ws.slice(0, 8), MONTHS, PER_MONTH));
    return ws;
  };
  const setLimit = (limit: number) => t.ch.command(`ALTER TABLE ${COLD_TABLE} MODIFY SETTING max_parts_in_total = {limit:UInt64}`, { limit });

  it('refuses the archive that would pass the safe share, typed, with nothing copied or recorded; raising the limit lets the retry archive', async () => {
    // Other files of this worker may have left cold parts: the limit is set relative to what is there.
    const before = await activeParts(COLD_TABLE);
    // Room for two workspaces (2 × 12 parts) under the safe share, not for a third.
    const limit = Math.ceil((before + 2 * MONTHS + MONTHS / 2) / PARTS_SAFE_SHARE);
    await setLimit(limit);
    const engineLimit = Number((await t.ch.one<{ v: string }>(`SELECT value AS v FROM system.merge_tree_settings WHERE name = 'max_parts_in_total'`)).v);

    const capacity = await service.coldCapacity();
    expect(capacity).toEqual(expect.arrayContaining([
      { table: COLD_TABLE, activeParts: before, maxPartsInTotal: limit, limitSource: 'table', refuseAbove: Math.floor(limit * PARTS_SAFE_SHARE), usedShare: expect.any(Number) },
      expect.objectContaining({ table: COLD_INTERNAL_TABLE, activeParts: await activeParts(COLD_INTERNAL_TABLE), maxPartsInTotal: engineLimit, limitSource: 'engine' }),
    ]));

    const [first, second, third] = [await seed(), await seed(), await seed()];
    await t.workspaces.pauseWorkspace(first);
    await t.workspaces.pauseWorkspace(second);
    expect(await activeParts(COLD_TABLE)).toBe(before + 2 * MONTHS);
    expect((await service.coldCapacity()).find((c) => c.table === COLD_TABLE)?.activeParts).toBe(before + 2 * MONTHS);

    const hotBefore = await snapshotWorkspace(t.ch, third);
    const err = await t.workspaces.pauseWorkspace(third).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookFailedError);
    expect(err).toMatchObject({ plugin: 'cold-storage', statusChanged: true });
    const cause = (err as HookFailedError).cause;
    expect(cause).toBeInstanceOf(ColdPartsLimitError);
    expect(cause).toMatchObject({ code: 'COLD_PARTS_LIMIT', workspaceId: third, table: COLD_TABLE });
    expect((cause as Error).message).toMatch(/would add up to 12 parts/);
    expect((cause as Error).message).toMatch(/Nothing was copied or recorded; the workspace's events stay hot/);
    expect((cause as Error).message).toMatch(/parquet strategy.*max_parts_in_total.*OPTIMIZE TABLE/);

    // Nothing touched: no operation, no cold state, no cold row or part, every hot row as it was.
    expect((await t.workspaces.getWorkspace(third)).status).toBe('Paused');
    expect(await service.status(third)).toMatchObject({ state: 'none', lastOperation: undefined });
    expect(await t.app.resolve(DataSource).query(`SELECT count(*)::int AS n FROM cold_storage_operation WHERE workspace_id = $1`, [third])).toEqual([{ n: 0 }]);
    expect(await coldRows(third)).toBe(0);
    expect(await activeParts(COLD_TABLE)).toBe(before + 2 * MONTHS);
    await waitForMutations(t.ch, third);
    expect(await snapshotWorkspace(t.ch, third)).toEqual(hotBefore);
    // A direct archive (what reconcile queues for hot events of a Paused workspace) is refused the same way.
    await expect(service.archiveLateEvents(third)).rejects.toMatchObject({ code: 'COLD_PARTS_LIMIT' });

    // What the message says to do works: more room, then the retry archives.
    await setLimit(limit + 10 * MONTHS);
    expect(await t.workspaces.retryTransition(third)).toMatchObject({ retried: true });
    await waitForMutations(t.ch, third);
    expect(await service.status(third)).toMatchObject({ state: 'archived' });
    expect(await coldRows(third)).toBe(hotBefore.events.rows + hotBefore.internal.rows);
    expect(await activeParts(COLD_TABLE)).toBe(before + 3 * MONTHS);
    expect(await count(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws: third })).toBe(0);
  });

  it('the engine\'s own refusal (an archive racing others past the limit) is typed too, saying what was done', async () => {
    const table = `wall_probe_${randomUUID().replace(/-/g, '')}`;
    await t.ch.command(`CREATE TABLE ${table} (k UInt32) ENGINE = MergeTree PARTITION BY k ORDER BY k SETTINGS max_parts_in_total = 1`);
    try {
      await t.ch.command(`INSERT INTO ${table} VALUES (1)`);
      const raw = await t.ch.command(`INSERT INTO ${table} VALUES (2)`).catch((e: unknown) => e);
      expect(raw).toMatchObject({ code: '252' }); // the engine's TOO_MANY_PARTS, as the driver gives it
      const typed = typedFailure(raw, randomUUID(), 'archive');
      expect(typed).toBeInstanceOf(ColdPartsLimitError);
      expect((typed as Error).message).toMatch(/No hot row was deleted .*months copied so far wait in cold storage for the retry/);
      expect((typed as Error).message).toMatch(/parquet strategy/);
      expect((typed as ColdPartsLimitError).cause).toBe(raw);
    } finally {
      await t.ch.command(`DROP TABLE IF EXISTS ${table} SYNC`);
    }
  });
});
