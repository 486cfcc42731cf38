import { withContext } from '../context';
import type { CommandIO } from '../program/lazy-action';

export async function run(io: CommandIO, cmd: { dryRun?: boolean; olderThan: number }): Promise<void> {
  await withContext({ ...io.options, command: 'gc' }, async (ctx) => {
    const report = await ctx.coldStorage.collectOrphans({ graceMs: cmd.olderThan * 60_000, dryRun: cmd.dryRun ?? false });
    io.out.result(report, () => `${report.listed} objects on the cold disk; ${report.orphans.length} referenced by no table${report.dryRun ? ' (dry run: none deleted)' : `; ${report.deleted} deleted`}`);
  });
}
