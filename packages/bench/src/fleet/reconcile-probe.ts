import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI_BIN } from './workers';

export interface ReconcileProbe {
  checked: number;
  /** Disagreements found (after a clean round: none). */
  findings: number;
  /** Reconcile's own time (what each cron run costs at this many workspaces), process start excluded. */
  durationMs: number;
}

/** `permafrost reconcile --dry-run` over the fleet: what a cron run costs at this size, and whether it agrees the round left nothing to fix. */
export async function probeReconcile(env: NodeJS.ProcessEnv): Promise<ReconcileProbe> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI_BIN, '--json', 'reconcile', '--dry-run'], { env, maxBuffer: 64 << 20 });
  const report = (JSON.parse(stdout) as { data: { checked: number; findings: unknown[]; durationMs: number } }).data; // the envelope's data
  return { checked: report.checked, findings: report.findings.length, durationMs: report.durationMs };
}
