#!/usr/bin/env node
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { bootstrap, silentLogger } from '@permafrost/core';
import { ClickHouse, dataLayer, seedEvents, snapshotWorkspace, WorkspaceService } from '@permafrost/backend-lib';
import { startStack } from '@permafrost/dev-stack';
import { coldStorage, ColdStorageService, COLD_TABLE, COLD_INTERNAL_TABLE, parquetStrategy } from '@permafrost/plugin-cold-storage';
import { armStatementKiller } from './statement-killer';

/**
 * A process the fault suite can kill or starve of S3: it runs one step against the servers its
 * environment names (the suite owns them) and an engine directory shared by the processes of a case,
 * printing JSON lines: {"progress":…} while working, then {"result":…} or {"error":…}.
 *
 *   worker seed <events> [<workspaces>] [<months>] [<twins>]  create workspaces, seed them (plus exact twins), print ids and snapshots
 *   worker transition <ws> <name> [<killAt>] run a transition; SIGKILL itself at the killAt-th progress event,
 *                                            or after the n-th state-changing ClickHouse statement when
 *                                            PERMAFROST_FAULT_KILL_AFTER_STATEMENT=n (each printed as {"statement":…})
 *   worker retry <ws>                        retryTransition
 *   worker verify <ws>                       hot/cold counts, duplicates, snapshot
 *   worker sequence <ws> <steps>             steps (retry, verify, pause, resume, gc, gc-dry) in one process
 */
const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const stack = await startStack({ name: process.env.PERMAFROST_FAULT_INSTANCE ?? 'fault', database: process.env.PERMAFROST_FAULT_DATABASE });
  const app = await bootstrap({
    plugins: [dataLayer({ postgresUrl: stack.postgresUrl, clickhouse: stack.clickhouse }), coldStorage({ s3: stack.s3, pageRows: Number(process.env.PERMAFROST_FAULT_PAGE_ROWS ?? 400), batchRows: Number(process.env.PERMAFROST_FAULT_BATCH_ROWS ?? 100), strategy: process.env.PERMAFROST_FAULT_STRATEGY ?? 'table', strategies: [parquetStrategy] })],
    logger: silentLogger,
  });
  const ch = app.resolve(ClickHouse);
  const workspaces = app.resolve(WorkspaceService);
  // The engine is up and the app booted: a fault injected from here on hits the command, not the start.
  emit({ ready: true });
  const verify = async (ws: string) => {
    await app.resolve(ColdStorageService).settle(ws);
    const n = async (sql: string) => Number((await ch.one<{ n: string }>(sql, { ws })).n);
    return {
      status: (await workspaces.getWorkspace(ws)).status,
      coldState: (await app.resolve(ColdStorageService).status(ws)).state,
      hot: await n(`SELECT count() AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`),
      hotDistinct: await n(`SELECT uniqExact(message_id) AS n FROM user_events_v2 WHERE workspace_id = {ws:String}`),
      cold: await n(`SELECT count() AS n FROM ${COLD_TABLE} WHERE workspace_id = {ws:String}`),
      coldDistinct: await n(`SELECT uniqExact(message_id) AS n FROM ${COLD_TABLE} WHERE workspace_id = {ws:String}`),
      coldInternal: await n(`SELECT count() AS n FROM ${COLD_INTERNAL_TABLE} WHERE workspace_id = {ws:String}`),
      /** Cold events as the workspace's strategy sees them (table or Parquet objects). */
      coldByStrategy: (await app.resolve(ColdStorageService).plan(ws)).cold.rows,
      snapshot: await snapshotWorkspace(ch, ws),
    };
  };
  try {
    switch (command) {
      case 'seed': {
        const events = Number(args[0]);
        const ids: string[] = [];
        for (let i = 0; i < Number(args[1] ?? 1); i++) {
          const id = (await workspaces.createWorkspace({ name: `fault-${randomUUID()}` })).id;
          await seedEvents(ch, id, { count: events, seed: i + 1, users: Math.max(1, Math.floor(events / 20)), months: args[2] ? Number(args[2]) : undefined });
          // Exact twins of existing rows, written as a producer re-delivering would (the view fills internal_events too).
          if (args[3]) {
            await ch.command(
              `INSERT INTO user_events_v2 (message_id, workspace_id, server_time, message_raw, processing_time)
               SELECT message_id, workspace_id, server_time, message_raw, processing_time FROM user_events_v2
               WHERE workspace_id = {ws:String} ORDER BY message_id LIMIT {n:UInt32}`, { ws: id, n: Number(args[3]) });
          }
          ids.push(id);
        }
        emit({ result: { ids, snapshots: await Promise.all(ids.map((id) => snapshotWorkspace(ch, id))) } });
        break;
      }
      case 'transition': {
        const [ws, name, killAt] = args as [string, 'pause' | 'resume' | 'tombstone' | 'untombstone', string | undefined];
        let seen = 0;
        app.emitter.on('progress', (p) => {
          seen += 1;
          emit({ progress: { step: p.step, done: p.done, total: p.total, n: seen } });
          if (killAt && seen === Number(killAt)) process.kill(process.pid, 'SIGKILL');
        });
        const killAfter = process.env.PERMAFROST_FAULT_KILL_AFTER_STATEMENT;
        armStatementKiller(killAfter ? Number(killAfter) : undefined, (n, sql) => emit({ statement: { n, sql } }));
        const run = { pause: workspaces.pauseWorkspace, resume: workspaces.resumeWorkspace, tombstone: workspaces.tombstoneWorkspace, untombstone: workspaces.activateTombstonedWorkspace }[name];
        const result = await run.call(workspaces, ws);
        emit({ result: { to: result.to, notes: result.outcomes.map((o) => o.note) } });
        break;
      }
      case 'retry': {
        emit({ result: await workspaces.retryTransition(args[0]!) });
        break;
      }
      case 'verify': {
        emit({ result: await verify(args[0]!) });
        break;
      }
      case 'sequence': {
        // Several steps in one process (each process start loads the engine): e.g. retry,verify,resume,verify
        const [ws, steps] = args as [string, string];
        const results: unknown[] = [];
        for (const step of steps.split(',')) {
          if (step === 'verify') results.push(await verify(ws));
          else if (step === 'gc' || step === 'gc-dry') results.push(await app.resolve(ColdStorageService).collectOrphans({ graceMs: 0, dryRun: step === 'gc-dry' }));
          else if (step === 'retry') results.push(await workspaces.retryTransition(ws));
          else if (step === 'pause' || step === 'resume') results.push((await workspaces[step === 'pause' ? 'pauseWorkspace' : 'resumeWorkspace'](ws)).to);
          else throw new Error(`unknown step ${step}`);
        }
        emit({ result: results });
        break;
      }
      default:
        throw new Error(`unknown command ${command}`);
    }
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    emit({ error: { code: e.code, causeCode: e.cause?.code, message: e.message } });
    process.exitCode = 1;
  } finally {
    await app.shutdown().catch(() => undefined);
    await stack.stop();
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (err) => {
  emit({ error: { message: String((err as Error).stack ?? err) } });
  process.exit(1);
});
