import { assertWorkspaceId } from '@permafrost/backend-lib';
import { withContext } from '../context';
import { bytes, table } from '../output/human';
import type { CommandIO } from '../program/lazy-action';

export async function run(io: CommandIO, workspace: string): Promise<void> {
  assertWorkspaceId(workspace);
  await withContext({ ...io.options, command: 'plan', readOnly: true }, async (ctx) => {
    const plan = await ctx.coldStorage.plan(workspace);
    io.out.result(plan, () => {
      const side = plan.nextOperation === 'restore' ? plan.cold : plan.hot;
      return [
        `workspace ${plan.workspaceId}: cold storage ${plan.state}, strategy ${plan.strategy}, next: ${plan.nextOperation}`,
        side.partitions.length === 0 ? 'nothing to move' : table(['month', 'rows', 'bytes'], [...side.partitions.map((p) => [p.month, p.rows, bytes(p.bytes)]), ['total', side.rows, bytes(side.bytes)]]),
      ].join('\n');
    });
  });
}
