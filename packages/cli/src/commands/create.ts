import { withContext } from '../context';
import { workspaceJson } from '../output/shapes';
import type { CommandIO } from '../program/lazy-action';

export async function run(io: CommandIO, name: string, cmd: { externalId?: string }): Promise<void> {
  await withContext({ ...io.options, command: 'create' }, async (ctx) => {
    const ws = workspaceJson(await ctx.workspaces.createWorkspace({ name, externalId: cmd.externalId }));
    io.out.result(ws, () => `created workspace ${ws.id} (${ws.name})`);
  });
}
