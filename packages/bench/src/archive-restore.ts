import { isDeepStrictEqual } from 'node:util';
import { INTERNAL_EVENTS_TABLE, seedEvents, snapshotWorkspace, USER_EVENTS_TABLE } from '@permafrost/backend-lib';
import { COLD_INTERNAL_TABLE, COLD_TABLE, INTERNAL, STORED_COLUMNS, waitUntilNone } from '@permafrost/plugin-cold-storage';
import type { BenchApp } from './app';
import { median, round, timed } from './stats';

const FLOOR_TABLE = 'bench_floor_cold';
const FLOOR_INTERNAL_TABLE = 'bench_floor_internal_cold';
const NAIVE_TABLE = 'bench_naive_cold';
const ASYNC = { mutations_sync: '0', lightweight_deletes_sync: '0' } as const;

export interface RoundResult {
  archive: { floorMs: number; naiveMs: number; pluginMs: number };
  restore: { floorMs: number; pluginMs: number };
  verified: boolean;
}

export interface ArchiveRestoreSummary {
  events: number;
  repeats: number;
  rounds: RoundResult[];
  archive: { floorMs: number; naiveMs: number; pluginMs: number; ratio: number; naiveRatio: number };
  restore: { floorMs: number; pluginMs: number; ratio: number };
  verified: boolean;
}

/**
 * Same data, same run, side by side. (a) the engine's floor: one raw INSERT … SELECT per table
 * (user_events_v2 and internal_events) into tables shaped like the cold tables, on the same S3 policy; (b) the naive approach of the public attempt: that copy
 * plus async deletes, nothing verified; (c) the plugin end to end: batched copies, verification,
 * exact deletes submitted. Restore: (a) one raw INSERT … SELECT back per table; (c) paged, verified, cold freed.
 */
export async function benchArchiveRestore(b: BenchApp, events: number, repeats: number, log: (m: string) => void): Promise<ArchiveRestoreSummary> {
  // Shaped like the cold tables, settings included (CREATE … AS copies engine and settings): the same
  // S3 policy, the same parts. internal_events' rows must move too (restores fire no views, so nothing
  // regenerates them): the floor copies both tables, each with one raw INSERT … SELECT.
  await b.ch.command(`CREATE TABLE IF NOT EXISTS ${FLOOR_TABLE} AS ${COLD_TABLE}`);
  await b.ch.command(`CREATE TABLE IF NOT EXISTS ${FLOOR_INTERNAL_TABLE} AS ${COLD_INTERNAL_TABLE}`);
  await b.ch.command(`CREATE TABLE IF NOT EXISTS ${NAIVE_TABLE} AS ${COLD_TABLE}`);
  const neighbour = (await b.workspaces.createWorkspace({ name: `bench-neighbour-${Date.now()}` })).id;
  await seedEvents(b.ch, neighbour, { count: Math.max(1, Math.floor(events / 4)), seed: 99 });
  const neighbourBefore = await snapshotWorkspace(b.ch, neighbour);
  const rounds: RoundResult[] = [];
  for (let r = 0; r < repeats; r++) {
    const ws = async (label: string) => {
      const id = (await b.workspaces.createWorkspace({ name: `bench-${label}-${r}-${Date.now()}` })).id;
      await seedEvents(b.ch, id, { count: events, seed: 7, users: Math.floor(events / 20) });
      return id;
    };
    const [floorWs, naiveWs, pluginWs] = [await ws('floor'), await ws('naive'), await ws('plugin')];
    const pluginBefore = await snapshotWorkspace(b.ch, pluginWs);
    log(`round ${r + 1}/${repeats}: archive`);

    // The variants take turns going first: right after seeding the engine still merges parts, which
    // slows whichever statement runs first (measured: the first of two identical copies 1.3-2× slower).
    const variants = {
      floor: () => timed(async () => {
        await b.ch.command(`INSERT INTO ${FLOOR_TABLE} (${STORED_COLUMNS}) SELECT ${STORED_COLUMNS} FROM ${USER_EVENTS_TABLE} WHERE workspace_id = {ws:String}`, { ws: floorWs });
        await b.ch.command(`INSERT INTO ${FLOOR_INTERNAL_TABLE} (${INTERNAL.columns}) SELECT ${INTERNAL.columns} FROM ${INTERNAL_EVENTS_TABLE} WHERE workspace_id = {ws:String}`, { ws: floorWs });
      }),
      naive: () => timed(async () => {
        await b.ch.command(`INSERT INTO ${NAIVE_TABLE} (${STORED_COLUMNS}) SELECT ${STORED_COLUMNS} FROM ${USER_EVENTS_TABLE} WHERE workspace_id = {ws:String}`, { ws: naiveWs });
        await b.ch.command(`DELETE FROM ${USER_EVENTS_TABLE} WHERE workspace_id = {ws:String}`, { ws: naiveWs }, ASYNC);
        await b.ch.command(`DELETE FROM ${INTERNAL_EVENTS_TABLE} WHERE workspace_id = {ws:String}`, { ws: naiveWs }, ASYNC);
      }),
      plugin: () => timed(() => b.coldStorage.sendWorkspaceEventsToColdStorage(pluginWs)),
    };
    const order = (['floor', 'naive', 'plugin'] as const).map((_, i, all) => all[(i + r) % all.length]!);
    const times: Record<string, { ms: number; value?: unknown }> = {};
    for (const name of order) {
      await engineIdle(b);
      times[name] = await variants[name]();
    }
    const floor = times.floor!;
    const naive = times.naive!;
    const plugin = times.plugin as { ms: number; value: Awaited<ReturnType<typeof b.coldStorage.sendWorkspaceEventsToColdStorage>> };
    await b.coldStorage.settle(naiveWs);
    await b.coldStorage.settle(pluginWs);

    log(`round ${r + 1}/${repeats}: restore`);
    await engineIdle(b);
    // Like the archive's floor, the restore's moves both tables: the naive run's events (their hot rows
    // are gone) and the floor run's internal_events rows (a second copy of them hot until the clean-up).
    const floorRestore = await timed(async () => {
      await b.ch.command(`INSERT INTO ${USER_EVENTS_TABLE} (${STORED_COLUMNS}) SELECT ${STORED_COLUMNS} FROM ${NAIVE_TABLE} WHERE workspace_id = {ws:String}`, { ws: naiveWs });
      await b.ch.command(`INSERT INTO ${INTERNAL_EVENTS_TABLE} (${INTERNAL.columns}) SELECT ${INTERNAL.columns} FROM ${FLOOR_INTERNAL_TABLE} WHERE workspace_id = {ws:String}`, { ws: floorWs });
    });
    await engineIdle(b);
    const pluginRestore = await timed(() => b.coldStorage.restoreWorkspaceEventsFromColdStorage(pluginWs));
    const verified = plugin.value.rows === events && pluginRestore.value.rows === events && pluginRestore.value.objectsLeft === 0
      && isDeepStrictEqual(await snapshotWorkspace(b.ch, pluginWs), pluginBefore);
    rounds.push({ archive: { floorMs: floor.ms, naiveMs: naive.ms, pluginMs: plugin.ms }, restore: { floorMs: floorRestore.ms, pluginMs: pluginRestore.ms }, verified });

    // Clean up so every round starts from the same table sizes.
    for (const id of [floorWs, naiveWs, pluginWs]) {
      await b.ch.command(`DELETE FROM ${USER_EVENTS_TABLE} WHERE workspace_id = {ws:String}`, { ws: id }, { mutations_sync: '2' });
      await b.ch.command(`DELETE FROM ${INTERNAL_EVENTS_TABLE} WHERE workspace_id = {ws:String}`, { ws: id }, { mutations_sync: '2' });
    }
    await b.ch.command(`TRUNCATE TABLE ${FLOOR_TABLE}`);
    await b.ch.command(`TRUNCATE TABLE ${FLOOR_INTERNAL_TABLE}`);
    await b.ch.command(`TRUNCATE TABLE ${NAIVE_TABLE}`);
  }
  const neighbourSame = isDeepStrictEqual(await snapshotWorkspace(b.ch, neighbour), neighbourBefore);
  const m = (pick: (r: RoundResult) => number) => round(median(rounds.map(pick)), 1);
  const archive = { floorMs: m((r) => r.archive.floorMs), naiveMs: m((r) => r.archive.naiveMs), pluginMs: m((r) => r.archive.pluginMs) };
  const restore = { floorMs: m((r) => r.restore.floorMs), pluginMs: m((r) => r.restore.pluginMs) };
  return {
    events, repeats, rounds,
    // Ratios are medians of the per-round ratios: each round's variants ran back to back on the same data.
    archive: { ...archive, ratio: round(median(rounds.map((r) => r.archive.pluginMs / r.archive.floorMs))), naiveRatio: round(median(rounds.map((r) => r.archive.naiveMs / r.archive.floorMs))) },
    restore: { ...restore, ratio: round(median(rounds.map((r) => r.restore.pluginMs / r.restore.floorMs))) },
    verified: rounds.every((r) => r.verified) && neighbourSame,
  };
}

/**
 * Each variant starts on an engine with no background merge or mutation running: the seeding and the
 * variant before leave merges (on S3, slow) that would otherwise slow whichever variant comes next —
 * noise of the order the variants ran in, not a cost of any of them. Waits at most two minutes.
 */
async function engineIdle(b: BenchApp, timeoutMs = 120_000): Promise<void> {
  await waitUntilNone(async () => {
    const row = await b.ch.one<{ busy: string }>(
      `SELECT (SELECT count() FROM system.merges) + (SELECT count() FROM system.mutations WHERE NOT is_done) AS busy`);
    return Number(row.busy);
  }, timeoutMs);
}
