import type { Command } from 'commander';
import { InvalidInputError, NotFoundError, type TransitionName, type TransitionResult } from '@permafrost/core';
import { isUuid } from '@permafrost/backend-lib';
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
      .option('--async', 'run the checks, queue the rest for a worker (`permafrost worker`) and print the operation id at once')
      .action((workspace: string, cmd: { async?: boolean }) => run(program, async (options: GlobalOptions, out: Output) => {
        workspaceArg(workspace);
        const ctx = await openContext(options);
        if (cmd.async) {
          try {
            const operationId = await ctx.workspaces.requestTransition(workspace, transition);
            out.result({ operationId, workspaceId: workspace, transition, state: 'queued' }, () => `${transition} ${workspace}: queued as operation ${operationId} (permafrost wait ${operationId})`);
          } finally {
            await ctx.close();
          }
          return;
        }
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

  program
    .command('wait <operation>')
    .description('wait for an operation queued with --async; exit 1 if it failed')
    .option('--timeout <seconds>', 'give up after this long (OPERATION_TIMEOUT; the operation goes on)', '600')
    .action((operation: string, cmd: { timeout: string }) => run(program, async (options, out) => {
      const seconds = Number(cmd.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidInputError(`--timeout must be a number of seconds > 0, got ${JSON.stringify(cmd.timeout)}`);
      if (!isUuid(operation)) throw new NotFoundError(`Operation ${JSON.stringify(operation)} does not exist (operation ids are UUIDs).`);
      const ctx = await openContext(options);
      try {
        const result = await ctx.workspaces.waitFor(operation, { timeoutMs: seconds * 1000 });
        out.result(result, () => `${result.transition} ${result.workspaceId}: ${result.state}${result.error ? `: ${result.error}` : ''} (attempt ${result.attempt})`);
        if (result.state === 'failed') process.exitCode = 1;
      } finally {
        await ctx.close();
      }
    }));

  registerColdStorageCommands(program);
}

/** Cold-storage work that is not a transition: late events of a paused workspace, orphaned objects. */
function registerColdStorageCommands(program: Command): void {
  program
    .command('archive <workspace>')
    .description('move hot events of a Paused or Tombstoned workspace to cold storage (events that arrived after its pause)')
    .action((workspace: string) => run(program, async (options, out) => {
      workspaceArg(workspace);
      const ctx = await openContext(options);
      const bars = new ProgressBars(ctx.app.emitter, progressEnabled(out.json));
      try {
        const report = await ctx.coldStorage.archiveLateEvents(workspace);
        bars.stop();
        out.result(report, () => `${workspace}: ${report.note}`);
      } finally {
        bars.stop();
        await ctx.close();
      }
    }));

  program
    .command('gc')
    .description('delete cold-disk objects that no table references (left by inserts that failed while S3 was failing)')
    .option('--dry-run', 'list them, delete nothing')
    .option('--older-than <minutes>', 'only objects older than this (an insert in flight has uncommitted objects)', '60')
    .action((cmd: { dryRun?: boolean; olderThan: string }) => run(program, async (options, out) => {
      const minutes = Number(cmd.olderThan);
      if (!Number.isFinite(minutes) || minutes < 0) throw new InvalidInputError(`--older-than must be a number of minutes ≥ 0, got ${JSON.stringify(cmd.olderThan)}`);
      const ctx = await openContext(options);
      try {
        const report = await ctx.coldStorage.collectOrphans({ graceMs: minutes * 60_000, dryRun: cmd.dryRun ?? false });
        out.result(report, () => `${report.listed} objects on the cold disk; ${report.orphans.length} referenced by no table${report.dryRun ? ' (dry run: none deleted)' : `; ${report.deleted} deleted`}`);
      } finally {
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
