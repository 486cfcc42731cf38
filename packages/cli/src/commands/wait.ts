import { NotFoundError } from '@permafrost/core';
import { isUuid } from '@permafrost/backend-lib';
import { withContext } from '../context';
import { OperationFailedError } from '../errors';
import { waitedOperation } from '../output/shapes';
import type { CommandIO } from '../program/lazy-action';

/** Success: the completed operation. An operation that ended failed is a failure (exit 1, OPERATION_FAILED). */
export async function run(io: CommandIO, operationId: string, cmd: { timeout: number }): Promise<void> {
  if (!isUuid(operationId)) throw new NotFoundError(`Operation ${JSON.stringify(operationId)} does not exist (operation ids are UUIDs).`);
  await withContext({ ...io.options, command: 'wait' }, async (ctx) => {
    const operation = waitedOperation(await ctx.workspaces.waitFor(operationId, { timeoutMs: Math.round(cmd.timeout * 1000) }));
    if (operation.state === 'failed') {
      throw new OperationFailedError(`${operation.transition} ${operation.workspaceId} failed (attempt ${operation.attempt}): ${operation.error ?? 'no reason recorded'}. Fix the cause, then \`permafrost retry ${operation.workspaceId}\`.`,
        { workspaceId: operation.workspaceId, operationId, operation });
    }
    io.out.result(operation, () => `${operation.transition} ${operation.workspaceId}: ${operation.state} (attempt ${operation.attempt})`);
  });
}
