import type { TransitionName } from '@permafrost/core';
import { assertWorkspaceId } from '@permafrost/backend-lib';
import { withContext } from '../context';
import { completedOperation, type OperationJson } from '../output/shapes';
import type { CommandIO, CommandModule } from '../program/lazy-action';
import { startProgress } from '../progress/progress';
import { renderOperation } from './render';

/** pause | resume | tombstone | untombstone: run here to the end, or (--async) queued for a worker. */
export function forTransition(transition: TransitionName): CommandModule<[string, { async?: boolean }]> {
  return {
    run: async (io: CommandIO, workspace: string, cmd: { async?: boolean }) => {
      assertWorkspaceId(workspace);
      await withContext({ ...io.options, command: transition }, async (ctx) => {
        if (cmd.async) {
          const operationId = await ctx.workspaces.requestTransition(workspace, transition);
          const queued: OperationJson = { operationId, workspaceId: workspace, transition, state: 'queued' };
          io.out.result(queued, () => `${transition} ${workspace}: queued as operation ${operationId} (permafrost wait ${operationId})`);
          return;
        }
        const progress = startProgress(io.options.progress ?? 'auto', { json: io.out.json, emitter: ctx.app.emitter });
        try {
          const w = ctx.workspaces;
          const run = { pause: w.pauseWorkspace, resume: w.resumeWorkspace, tombstone: w.tombstoneWorkspace, untombstone: w.activateTombstonedWorkspace }[transition];
          const operation = completedOperation(await run.call(w, workspace));
          progress.stop();
          io.out.result(operation, () => renderOperation(operation));
        } finally {
          progress.stop();
        }
      });
    },
  };
}
