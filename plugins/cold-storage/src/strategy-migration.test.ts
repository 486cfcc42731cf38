import { randomUUID } from 'node:crypto';
import { ConflictError, InvalidInputError } from '@permafrost/core';
import { generateEvents } from '@permafrost/backend-lib';
import { startTestApp, snapshotWorkspace, waitForMutations, type TestApp } from '@permafrost/backend-lib/testing';
import { startTestStack } from '@permafrost/dev-stack/testing';
import { DataSource } from 'typeorm';
import { ColdStorageService } from './cold-storage-service';
import { coldStorage, coldStorageStrategy } from './plugin';
import { parquetStrategy } from './strategies/parquet';
import { COLD_INTERNAL_TABLE, COLD_TABLE } from './strategies/table';

// Integration: embedded ClickHouse + S3 + Postgres. A fleet switches its default strategy; archived
// workspaces keep theirs until migrated, and the migration is a verified restore + archive.
describe('cold storage: switching strategies', () => {
  let t: TestApp;
  let service: ColdStorageService;
  beforeAll(async () => {
    const stack = await startTestStack();
    t = await startTestApp({ stack, plugins: [coldStorage({ s3: stack.s3, strategy: 'table', pageRows: 500 }), coldStorageStrategy(parquetStrategy)] });
    service = t.app.resolve(ColdStorageService);
  });
  afterAll(async () => {
    await t?.stop();
    await t?.stack.stop();
  });

  const seed = async () => {
    const ws = (await t.workspaces.createWorkspace({ name: `migrate-${randomUUID()}` })).id;
    await t.events.insertUserEvents(ws, [...generateEvents({ count: 1200, months: 6, end: new Date(Date.UTC(2026, 0, 1)), seed: 11, idPrefix: ws.slice(0, 8) })]);
    // An exact twin: the multiset, not the set, must survive both moves.
    const [first] = await t.ch.rows<{ message_id: string }>(`SELECT message_id FROM user_events_v2 WHERE workspace_id = {ws:String} LIMIT 1`, { ws });
    await t.ch.command(`INSERT INTO user_events_v2 (message_id, workspace_id, server_time, message_raw, processing_time)
      SELECT message_id, workspace_id, server_time, message_raw, processing_time FROM user_events_v2 WHERE workspace_id = {ws:String} AND message_id = {id:String} LIMIT 1`, { ws, id: first!.message_id });
    return ws;
  };
  const coldRows = async (ws: string) => Number((await t.ch.one<{ n: string }>(
    `SELECT (SELECT count() FROM ${COLD_TABLE} WHERE workspace_id = {ws:String}) + (SELECT count() FROM ${COLD_INTERNAL_TABLE} WHERE workspace_id = {ws:String}) AS n`, { ws })).n);
  const coldState = async (ws: string) => (await t.app.resolve(DataSource).query(
    `SELECT cold_storage_state AS state, cold_storage_strategy AS strategy FROM workspace WHERE id = $1`, [ws]))[0];

  it('moves an archived workspace from table to parquet, verified, and resumes it exactly', async () => {
    const ws = await seed();
    const before = await snapshotWorkspace(t.ch, ws);
    await t.workspaces.pauseWorkspace(ws);
    await waitForMutations(t.ch, ws);
    expect(await coldState(ws)).toEqual({ state: 'archived', strategy: 'table' });

    const report = await service.migrateStrategy(ws, 'parquet');
    expect(report).toMatchObject({ outcome: 'migrated', from: 'table', to: 'parquet', restore: { outcome: 'restored' }, archive: { outcome: 'archived', strategy: 'parquet' } });
    expect(report.archive!.rows).toBe(before.events.rows);
    await waitForMutations(t.ch, ws);
    expect(await coldState(ws)).toEqual({ state: 'archived', strategy: 'parquet' });
    expect(await coldRows(ws)).toBe(0); // nothing left in the table strategy's cold tables
    expect(Number((await t.ch.one<{ n: string }>(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws })).n)).toBe(0);

    // Running it again is a no-op: the copy is already where it was asked to be.
    expect(await service.migrateStrategy(ws, 'parquet')).toMatchObject({ outcome: 'noop' });

    await t.workspaces.resumeWorkspace(ws);
    expect(await snapshotWorkspace(t.ch, ws)).toEqual(before);
  });

  it('refuses what it cannot do, and changes nothing', async () => {
    const ws = await seed();
    await expect(service.migrateStrategy(ws, 'parquet')).rejects.toBeInstanceOf(ConflictError); // Active
    await expect(service.migrateStrategy(ws, 'no-such-strategy')).rejects.toBeInstanceOf(InvalidInputError);
    await t.workspaces.pauseWorkspace(ws);
    // An archive with another strategy while the cold copy lives in table would split it in two places.
    await expect(service.archive(ws, { strategy: 'parquet' })).rejects.toBeInstanceOf(ConflictError);
    expect(await coldState(ws)).toEqual({ state: 'archived', strategy: 'table' });
  });
});
