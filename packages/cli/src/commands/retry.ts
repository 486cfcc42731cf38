import { assertWorkspaceId } from '@permafrost/backend-lib';
import { withContext } from '../context';
import { completedOperation, type OperationJson } from '../output/shapes';
import type { CommandIO } from '../program/lazy-action';
import { startProgress } from '../progress/progress';
import { renderOperation } from './render';

/** `data: { retried, operation? , reason? }`: the operation in the same shape pause and wait print. */
export async function run(io: CommandIO, workspace: string): Promise<void> {
  assertWorkspaceId(workspace);
  await withContext({ ...io.options, command: 'retry' }, async (ctx) => {
    const progress = startProgress(io.options.progress ?? 'auto', { json: io.out.json, emitter: ctx.app.emitter });
    try {
      const result = await ctx.workspaces.retryTransition(workspace);
      progress.stop();
      const data: { retried: boolean; operation?: OperationJson; reason?: string } = result.retried
        ? { retried: true, operation: completedOperation(result.result) }
        : { retried: false, reason: result.reason };
      io.out.result(data, () => (data.operation ? renderOperation(data.operation) : data.reason!));
    } finally {
      progress.stop();
    }
  });
}
