import { InvalidArgumentError, type Command } from 'commander';
import { seedEvents } from '@permafrost/backend-lib';
import { openContext } from '../context';
import { bytes, table } from '../output';
import { ProgressBars, progressEnabled } from '../progress';
import { run, workspaceArg } from '../run';
import { addStatusAllOptions, runStatusAll, wantsStatusAll, type StatusAllFlags } from './inspect';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function registerWorkspaceCommands(program: Command): void {
  program
    .command('create <name>')
    .description('create an Active workspace')
    .option('--external-id <id>', 'external id (unique when set)')
    .action((name: string, cmd: { externalId?: string }) => run(program, async (options, out) => {
      const ctx = await openContext(options);
      try {
        const ws = await ctx.workspaces.createWorkspace({ name, externalId: cmd.externalId });
        out.result(ws, () => `created workspace ${ws.id} (${ws.name})`);
      } finally {
        await ctx.close();
      }
    }));

  addStatusAllOptions(program
    .command('status [workspace]')
    .description('status and cold-storage state of every workspace (or one): hot and cold rows, bytes; --all: a page of workspaces (permafrost status --all --help)'))
    .action((workspace: string | undefined, flags: StatusAllFlags) => wantsStatusAll(flags) ? runStatusAll(program, workspace, flags) : run(program, async (options, out) => {
      if (workspace !== undefined) workspaceArg(workspace);
      const ctx = await openContext(options);
      try {
        const list = workspace ? [await ctx.workspaces.getWorkspace(workspace)] : await ctx.workspaces.listWorkspaces();
        const rows = await Promise.all(list.map(async (w) => {
          const plan = await ctx.coldStorage.plan(w.id);
          return { id: w.id, name: w.name, status: w.status, coldStorage: plan.state, strategy: plan.strategy, hotRows: plan.hot.rows, coldRows: plan.cold.rows, coldBytes: plan.cold.bytes };
        }));
        out.result(workspace ? rows[0] : rows, () => rows.length === 0 ? 'no workspaces' : table(
          ['workspace', 'name', 'status', 'cold storage', 'strategy', 'hot rows', 'cold rows', 'cold bytes'],
          rows.map((r) => [r.id, r.name.length > 30 ? `${r.name.slice(0, 29)}…` : r.name, r.status, r.coldStorage, r.strategy, r.hotRows, r.coldRows, bytes(r.coldBytes)])));
      } finally {
        await ctx.close();
      }
    }));

  program
    .command('plan <workspace>')
    .description('dry run: the partitions, rows and bytes an archive or restore would move now, and the strategy')
    .action((workspace: string) => run(program, async (options, out) => {
      workspaceArg(workspace);
      const ctx = await openContext(options);
      try {
        const plan = await ctx.coldStorage.plan(workspace);
        out.result(plan, () => {
          const side = plan.nextOperation === 'restore' ? plan.cold : plan.hot;
          return [
            `workspace ${plan.workspaceId}: cold storage ${plan.state}, strategy ${plan.strategy}, next: ${plan.nextOperation}`,
            side.partitions.length === 0 ? 'nothing to move' : table(['month', 'rows', 'bytes'], [...side.partitions.map((p) => [p.month, p.rows, bytes(p.bytes)]), ['total', side.rows, bytes(side.bytes)]]),
          ].join('\n');
        });
      } finally {
        await ctx.close();
      }
    }));

  program
    .command('seed')
    .description('ingest generated segment-style events into a workspace')
    .requiredOption('--events <n>', 'how many events', positiveInt)
    .requiredOption('--workspace <id>', 'workspace id')
    .option('--months <n>', 'months of history', positiveInt, 12)
    .action((cmd: { events: number; workspace: string; months: number }) => run(program, async (options, out) => {
      workspaceArg(cmd.workspace);
      const ctx = await openContext(options);
      const bars = new ProgressBars(undefined, progressEnabled(out.json));
      try {
        await ctx.workspaces.getWorkspace(cmd.workspace);
        const started = Date.now();
        const chunk = 250_000;
        const seed = Date.now() % 1_000_000;
        for (let offset = 0; offset < cmd.events; offset += chunk) {
          await seedEvents(ctx.ch, cmd.workspace, { count: Math.min(chunk, cmd.events - offset), offset, seed, months: cmd.months, users: Math.max(1, Math.floor(cmd.events / 20)) });
          bars.update({ step: 'seed', done: Math.min(offset + chunk, cmd.events), total: cmd.events, unit: 'events' });
        }
        bars.stop();
        const ms = Date.now() - started;
        out.result({ workspaceId: cmd.workspace, inserted: cmd.events, durationMs: ms }, () => `seeded ${cmd.events} events into ${cmd.workspace} in ${ms} ms`);
      } finally {
        bars.stop();
        await ctx.close();
      }
    }));
}
