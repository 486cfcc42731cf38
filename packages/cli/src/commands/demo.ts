import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidInputError } from '@permafrost/core';
import { seedEvents, snapshotWorkspace, type WorkspaceSnapshot } from '@permafrost/backend-lib';
import { isDeepStrictEqual } from 'node:util';
import { openContext, type CliContext } from '../context';
import { bold, bytes, green, red, table, type Output } from '../output';
import { ProgressBars, progressEnabled } from '../progress';
import { run } from '../run';
import { positiveInt } from './workspaces';

interface Step {
  step: string;
  rows: number;
  bytes: number;
  ms: number;
  ok: boolean;
  note?: string;
}

/**
 * The main job, end to end on one machine: create workspaces, ingest realistic events, pause one (its
 * events go to S3), resume it (they come back, checked by checksum), tombstone and untombstone another,
 * and prove the neighbours were never touched.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the whole job on the embedded stack (or your servers) and verify it: PASS or FAIL')
    .option('--events <n>', 'events in all, spread over the workspaces', positiveInt, 300_000)
    .option('--workspaces <k>', 'workspaces to create (at least 2)', positiveInt, 3)
    .option('--keep', 'keep the demo data (default: removed at the end)')
    .action((demo: { events: number; workspaces: number; keep?: boolean }) => run(program, async (options, out) => {
      if (demo.workspaces < 2) throw new InvalidInputError('--workspaces must be at least 2');
      const cmd = { ...demo, strategy: options.strategy ?? 'table' };
      const instance = options.instance ?? `demo-${process.pid}`;
      const ctx = await openContext({ ...options, instance, strategy: cmd.strategy, fresh: true });
      const bars = new ProgressBars(ctx.app.emitter, progressEnabled(out.json));
      try {
        const steps = await runDemo(ctx, cmd, out, bars);
        bars.stop();
        const ok = steps.every((s) => s.ok);
        const events = steps.find((s) => s.step === 'ingest')?.rows ?? 0; // what was really ingested (events ÷ workspaces, rounded down)
        out.result({ ok, strategy: cmd.strategy, events, workspaces: cmd.workspaces, stack: ctx.stack.modes, steps }, () => [
          table(['step', 'rows', 'bytes', 'ms', 'rows/s', 'check'], steps.map((s) => [s.step, s.rows, bytes(s.bytes), s.ms, s.ms > 0 ? Math.round((s.rows / s.ms) * 1000) : '-', s.ok ? 'ok' : `FAILED${s.note ? `: ${s.note}` : ''}`])),
          ok ? green(bold(`PASS: ${events} events, ${cmd.workspaces} workspaces, strategy ${cmd.strategy}: every round trip byte-identical, neighbours untouched, cold storage freed`))
            : red(bold('FAIL: see the failed checks above')),
        ].join('\n'));
        if (!ok) process.exitCode = 1;
      } finally {
        bars.stop();
        await ctx.close();
        if (!cmd.keep && !options.instance && ctx.stack.modes.clickhouse === 'embedded') rmSync(ctx.stack.dataDir, { recursive: true, force: true });
      }
    }));
}

async function runDemo(ctx: CliContext, cmd: { events: number; workspaces: number }, out: Output, bars: ProgressBars): Promise<Step[]> {
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
      bars.update({ step: 'seed', done: i + 1, total: ids.length, unit: 'workspaces' });
    }
  });
  const before = new Map<string, WorkspaceSnapshot>();
  for (const id of ids) before.set(id, await snapshotWorkspace(ctx.ch, id));
  const rawBytes = await rawSize(ctx, ids[0]!);
  steps.push({ step: 'ingest', rows: perWorkspace * ids.length, bytes: rawBytes * ids.length, ms: seeded.ms, ok: true });

  const [paused, tombstoned] = [ids[0]!, ids[1]!];
  const pause = await timed(() => ctx.workspaces.pauseWorkspace(paused));
  await ctx.coldStorage.settle(paused);
  const afterPause = await ctx.coldStorage.plan(paused);
  steps.push({ step: 'pause (archive)', rows: afterPause.cold.rows, bytes: afterPause.cold.bytes, ms: Math.round(pause.ms),
    ok: afterPause.hot.rows === 0 && afterPause.cold.rows === perWorkspace, note: `hot ${afterPause.hot.rows}, cold ${afterPause.cold.rows}` });
  out.note(`paused ${paused}: hot ${afterPause.hot.rows} rows, cold ${afterPause.cold.rows} rows, ${bytes(afterPause.cold.bytes)} in s3://${ctx.stack.s3.bucket}`);

  const resume = await timed(() => ctx.workspaces.resumeWorkspace(paused));
  const resumedPlan = await ctx.coldStorage.plan(paused);
  const resumedSame = isDeepStrictEqual(await snapshotWorkspace(ctx.ch, paused), before.get(paused));
  steps.push({ step: 'resume (restore)', rows: perWorkspace, bytes: rawBytes, ms: Math.round(resume.ms), ok: resumedSame && resumedPlan.cold.rows === 0, note: resumedSame ? undefined : 'checksums differ' });

  const tomb = await timed(() => ctx.workspaces.tombstoneWorkspace(tombstoned));
  await ctx.coldStorage.settle(tombstoned);
  const afterTomb = await ctx.coldStorage.plan(tombstoned);
  steps.push({ step: 'tombstone (archive)', rows: afterTomb.cold.rows, bytes: afterTomb.cold.bytes, ms: Math.round(tomb.ms), ok: afterTomb.hot.rows === 0 && afterTomb.cold.rows === perWorkspace });
  const untomb = await timed(() => ctx.workspaces.activateTombstonedWorkspace(tombstoned));
  const untombSame = isDeepStrictEqual(await snapshotWorkspace(ctx.ch, tombstoned), before.get(tombstoned));
  steps.push({ step: 'untombstone (restore)', rows: perWorkspace, bytes: rawBytes, ms: Math.round(untomb.ms), ok: untombSame, note: untombSame ? undefined : 'checksums differ' });

  const neighbours = ids.slice(2);
  const untouched = (await Promise.all(neighbours.map(async (id) => isDeepStrictEqual(await snapshotWorkspace(ctx.ch, id), before.get(id))))).every(Boolean);
  steps.push({ step: 'neighbours untouched', rows: neighbours.length * perWorkspace, bytes: 0, ms: 0, ok: untouched });
  return steps;
}

async function rawSize(ctx: CliContext, id: string): Promise<number> {
  const row = await ctx.ch.one<{ b: string }>(`SELECT sum(length(message_raw)) AS b FROM user_events_v2 WHERE workspace_id = {ws:String}`, { ws: id });
  return Number(row.b);
}
