import { withContext } from '../context';
import { reconcile, reconcileDeps, type ReconcileReport } from '../fleet/reconcile';
import { table } from '../output/human';
import type { CommandIO } from '../program/lazy-action';

export async function run(io: CommandIO, cmd: { dryRun?: boolean }): Promise<void> {
  await withContext({ ...io.options, command: 'reconcile' }, async (ctx) => {
    const report = await reconcile(reconcileDeps(ctx), { dryRun: cmd.dryRun ?? false });
    io.out.result(report, () => render(report));
  });
}

function render(report: ReconcileReport): string {
  const head = `${report.checked} workspaces checked in ${report.durationMs} ms; ${report.findings.length} disagree${report.dryRun ? ' (dry run: nothing enqueued)' : ''}`;
  if (report.findings.length === 0) return head;
  return `${head}\n${table(['workspace', 'status', 'problem', 'detail', 'fix', 'enqueued'], report.findings.map((f) => [f.workspaceId, f.status, f.problem, f.detail, f.fix, f.enqueued ? 'yes' : 'no']))}`;
}
