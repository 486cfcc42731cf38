import { assertWorkspaceId } from '@permafrost/backend-lib';
import { withContext } from '../context';
import { ms } from '../output/shapes';
import type { CommandIO } from '../program/lazy-action';
import { startProgress } from '../progress/progress';

/** Moves an archived workspace's cold copy to another strategy (ColdStorageService.migrateStrategy). */
export async function run(io: CommandIO, workspace: string, cmd: { to: string }): Promise<void> {
  assertWorkspaceId(workspace);
  await withContext({ ...io.options, command: 'migrate-strategy' }, async (ctx) => {
    const progress = startProgress(io.options.progress ?? 'auto', { json: io.out.json, emitter: ctx.app.emitter });
    try {
      const report = await ctx.coldStorage.migrateStrategy(workspace, cmd.to, { progress: (p) => progress.update({ ...p, workspaceId: workspace }) });
      progress.stop();
      const data = {
        workspaceId: report.workspaceId, outcome: report.outcome, from: report.from, to: report.to, note: report.note,
        restoredRows: report.restore?.rows ?? 0, archivedRows: report.archive?.rows ?? 0,
        restoreOperationId: report.restore?.operationId ?? null, archiveOperationId: report.archive?.operationId ?? null,
        durationMs: ms(report.durationMs),
      };
      io.out.result(data, () => `${workspace}: ${report.note}`);
    } finally {
      progress.stop();
    }
  });
}
