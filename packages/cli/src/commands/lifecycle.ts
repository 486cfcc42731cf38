import type { Command } from 'commander';
import type { TransitionName, TransitionResult } from '@permafrost/core';
import { openContext, type GlobalOptions } from '../context';
import { Output, table } from '../output';
import { ProgressBars, progressEnabled } from '../progress';
import { run, workspaceArg } from '../run';

const VERBS: Record<TransitionName, string> = {
  pause: 'pause a workspace and move its events to cold storage',
  resume: 'restore a paused workspace\'s events and make it active',
  tombstone: 'tombstone a workspace (frees its name) and move its events to cold storage',
  untombstone: 'restore a tombstoned workspace\'s events and name and make it active',
};

export function registerLifecycleCommands(program: Command): void {
  for (const transition of Object.keys(VERBS) as TransitionName[]) {
    program
      .command(`${transition} <workspace>`)
      .description(VERBS[transition])
      .action((workspace: string) => run(program, async (options: GlobalOptions, out: Output) => {
        workspaceArg(workspace);
        const ctx = await openContext(options);
        const bars = new ProgressBars(ctx.app.emitter, progressEnabled(out.json));
        try {
          const w = ctx.workspaces;
          const result = await { pause: w.pauseWorkspace, resume: w.resumeWorkspace, tombstone: w.tombstoneWorkspace, untombstone: w.activateTombstonedWorkspace }[transition].call(w, workspace);
          bars.stop();
          out.result(result, () => renderTransition(result));
        } finally {
          bars.stop();
          await ctx.close();
        }
      }));
  }

  program
    .command('retry <workspace>')
    .description('finish the workspace\'s last transition whose hooks failed (e.g. an archive during an S3 outage)')
    .action((workspace: string) => run(program, async (options, out) => {
      workspaceArg(workspace);
      const ctx = await openContext(options);
      const bars = new ProgressBars(ctx.app.emitter, progressEnabled(out.json));
      try {
        const result = await ctx.workspaces.retryTransition(workspace);
        bars.stop();
        out.result(result, () => (result.retried ? renderTransition(result.result) : result.reason));
      } finally {
        bars.stop();
        await ctx.close();
      }
    }));
}

export function renderTransition(result: TransitionResult): string {
  const lines = [`${result.transition} ${result.workspaceId}: ${result.from} → ${result.to} in ${Math.round(result.durationMs)} ms`];
  if (result.outcomes.length > 0) {
    lines.push(table(['hook', 'plugin', 'ms', 'note'], result.outcomes.map((o) => [o.point, o.plugin, Math.round(o.durationMs), o.note ?? (o.ok ? 'ok' : 'failed')])));
  }
  return lines.join('\n');
}
