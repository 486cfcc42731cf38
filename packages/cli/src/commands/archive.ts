import { assertWorkspaceId } from '@permafrost/backend-lib';
import { withContext } from '../context';
import { ms } from '../output/shapes';
import type { CommandIO } from '../program/lazy-action';
import { startProgress } from '../progress/progress';

export async function run(io: CommandIO, workspace: string): Promise<void> {
  assertWorkspaceId(workspace);
  await withContext({ ...io.options, command: 'archive' }, async (ctx) => {
    const progress = startProgress(io.options.progress ?? 'auto', { json: io.out.json, emitter: ctx.app.emitter });
    try {
      const report = await ctx.coldStorage.archiveLateEvents(workspace, { progress: (p) => progress.update({ ...p, workspaceId: workspace }) });
      progress.stop();
      io.out.result({ ...report, durationMs: ms(report.durationMs) }, () => `${workspace}: ${report.note}`);
    } finally {
      progress.stop();
    }
  });
}
