import { rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { seedEvents, snapshotWorkspace, type WorkspaceSnapshot } from '@permafrost/backend-lib';
import { configuredServers, readStackEnv, readStackState } from '@permafrost/backend-lib/servers';
import { openContext, type CliContext } from '../context';
import { DemoFailedError, ForceRequiredError, InstanceRunningError } from '../errors';
import { instanceDir, instanceHasData } from '../instance';
import { bold, bytes, green, red, table } from '../output/human';
import type { Output } from '../output/output';
import type { CommandIO } from '../program/lazy-action';
import { startProgress, type ProgressSink } from '../progress/progress';

interface Step {
  step: string;
  rows: number;
  bytes: number;
  durationMs: number;
  ok: boolean;
  note?: string;
}

interface DemoOptions {
  events: number;
  workspaces: number;
  keep?: boolean;
  force?: boolean;
}

/**
 * The main job, end to end on one machine: create workspaces, ingest realistic events, pause one (its
 * events go to S3), resume it (they come back, checked by checksum), tombstone and untombstone another,
 * and prove the neighbours were never touched. It starts from empty embedded data: on its own scratch
 * instance by default, or on --instance X, which it wipes only with --force.
 */
export async function run(io: CommandIO, demo: DemoOptions): Promise<void> {
  const strategy = io.options.strategy ?? 'table';
  const instance = io.options.instance ?? `demo-${process.pid}`;
  if (io.options.instance) refuseToWipe(instance, demo.force ?? false);
  const ctx = await openContext({ ...io.options, instance, strategy, fresh: true, command: 'demo' });
  const progress = startProgress(io.options.progress ?? 'auto', { json: io.out.json, emitter: ctx.app.emitter });
  try {
    const steps = await runDemo(ctx, demo, io.out, progress);
    progress.stop();
    const ok = steps.every((s) => s.ok);
    const events = steps.find((s) => s.step === 'ingest')?.rows ?? 0; // what was really ingested (events ÷ workspaces, rounded down)
    const data = { strategy, events, workspaces: demo.workspaces, stack: ctx.stack.modes, steps };
    const human = [
      table(['step', 'rows', 'bytes', 'ms', 'rows/s', 'check'], steps.map((s) => [s.step, s.rows, bytes(s.bytes), s.durationMs, s.durationMs > 0 ? Math.round((s.rows / s.durationMs) * 1000) : '-', s.ok ? 'ok' : `FAILED${s.note ? `: ${s.note}` : ''}`])),
      ok ? green(bold(`PASS: ${events} events, ${demo.workspaces} workspaces, strategy ${strategy}: every round trip byte-identical, neighbours untouched, cold storage freed`))
        : red(bold('FAIL: see the failed checks above')),
    ].join('\n');
    if (!ok) throw new DemoFailedError(`demo failed: ${steps.filter((s) => !s.ok).map((s) => s.step).join(', ')}`, data, human);
    io.out.result(data, () => human);
  } finally {
    progress.stop();
    await ctx.close();
    if (!demo.keep && !io.options.instance && ctx.source === 'embedded' && ctx.stack.dataDir) rmSync(ctx.stack.dataDir, { recursive: true, force: true });
  }
}

/** --instance X: the demo starts from empty data, so X's existing data is wiped only with --force. */
function refuseToWipe(instance: string, force: boolean): void {
  if (configuredServers(readStackEnv()) === 'all') return; // servers from the environment: nothing local to wipe
  const dir = instanceDir(instance);
  const running = readStackState(dir);
  if (running) {
    throw new InstanceRunningError(`demo --instance ${instance} starts from empty data, and instance ${instance}'s stack is running (pid ${running.pid}): stop it with \`permafrost --instance ${instance} stack down\` first, or run the demo on another instance. Nothing was changed.`, { instance, pid: running.pid });
  }
  if (!force && instanceHasData(dir)) {
    throw new ForceRequiredError(`demo --instance ${instance} would wipe instance ${instance}'s data in ${dir}: pass --force to wipe it, or leave out --instance to use a scratch instance. Nothing was changed.`, { instance, dataDir: dir });
  }
}

async function runDemo(ctx: CliContext, cmd: { events: number; workspaces: number }, out: Output, progress: ProgressSink): Promise<Step[]> {
  const steps: Step[] = [];
  const timed = async <T>(fn: () => Promise<T>) => {
    const started = Date.now();
    const value = await fn();
    return { value, ms: Date.now() - started };
  };

  const ids: string[] = [];
  for (let i = 0; i < cmd.workspaces; i++) {
    ids.push((await ctx.workspaces.createWorkspace({ name: `demo-${i + 1}-${process.pid}-${Date.now()}`, externalId: `demo-ext-${i + 1}-${Date.now()}` })).id);
  }
  const perWorkspace = Math.max(1, Math.floor(cmd.events / cmd.workspaces));
  out.note(`seeding ${perWorkspace * cmd.workspaces} events into ${cmd.workspaces} workspaces…`);
  const seeded = await timed(async () => {
    for (const [i, id] of ids.entries()) {
      await seedEvents(ctx.ch, id, { count: perWorkspace, seed: i + 1, users: Math.max(1, Math.floor(perWorkspace / 20)) });
      progress.update({ step: 'seed', done: i + 1, total: ids.length, unit: 'workspaces' });
    }
  });
  const before = new Map<string, WorkspaceSnapshot>();
  for (const id of ids) before.set(id, await snapshotWorkspace(ctx.ch, id));
  const rawBytes = await rawSize(ctx, ids[0]!);
  steps.push({ step: 'ingest', rows: perWorkspace * ids.length, bytes: rawBytes * ids.length, durationMs: seeded.ms, ok: true });

  const [paused, tombstoned] = [ids[0]!, ids[1]!];
  const pause = await timed(() => ctx.workspaces.pauseWorkspace(paused));
  await ctx.coldStorage.settle(paused);
  const afterPause = await ctx.coldStorage.plan(paused);
  steps.push({ step: 'pause (archive)', rows: afterPause.cold.rows, bytes: afterPause.cold.bytes, durationMs: Math.round(pause.ms),
    ok: afterPause.hot.rows === 0 && afterPause.cold.rows === perWorkspace, note: `hot ${afterPause.hot.rows}, cold ${afterPause.cold.rows}` });
  out.note(`paused ${paused}: hot ${afterPause.hot.rows} rows, cold ${afterPause.cold.rows} rows, ${bytes(afterPause.cold.bytes)} in s3://${ctx.stack.s3.bucket}`);

  const resume = await timed(() => ctx.workspaces.resumeWorkspace(paused));
  const resumedPlan = await ctx.coldStorage.plan(paused);
  const resumedSame = isDeepStrictEqual(await snapshotWorkspace(ctx.ch, paused), before.get(paused));
  steps.push({ step: 'resume (restore)', rows: perWorkspace, bytes: rawBytes, durationMs: Math.round(resume.ms), ok: resumedSame && resumedPlan.cold.rows === 0, note: resumedSame ? undefined : 'checksums differ' });

  const tomb = await timed(() => ctx.workspaces.tombstoneWorkspace(tombstoned));
  await ctx.coldStorage.settle(tombstoned);
  const afterTomb = await ctx.coldStorage.plan(tombstoned);
  steps.push({ step: 'tombstone (archive)', rows: afterTomb.cold.rows, bytes: afterTomb.cold.bytes, durationMs: Math.round(tomb.ms), ok: afterTomb.hot.rows === 0 && afterTomb.cold.rows === perWorkspace });
  const untomb = await timed(() => ctx.workspaces.activateTombstonedWorkspace(tombstoned));
  const untombSame = isDeepStrictEqual(await snapshotWorkspace(ctx.ch, tombstoned), before.get(tombstoned));
  steps.push({ step: 'untombstone (restore)', rows: perWorkspace, bytes: rawBytes, durationMs: Math.round(untomb.ms), ok: untombSame, note: untombSame ? undefined : 'checksums differ' });

  const neighbours = ids.slice(2);
  const untouched = (await Promise.all(neighbours.map(async (id) => isDeepStrictEqual(await snapshotWorkspace(ctx.ch, id), before.get(id))))).every(Boolean);
  steps.push({ step: 'neighbours untouched', rows: neighbours.length * perWorkspace, bytes: 0, durationMs: 0, ok: untouched });
  return steps;
}

async function rawSize(ctx: CliContext, id: string): Promise<number> {
  const row = await ctx.ch.one<{ b: string }>(`SELECT sum(length(message_raw)) AS b FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws: id });
  return Number(row.b);
}
