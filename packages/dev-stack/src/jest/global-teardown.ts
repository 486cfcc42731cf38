import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_RUN_DIR_ENV } from './test-stack';

export default async function globalTeardown(): Promise<void> {
  printFaultSummary();
  const stop = (globalThis as Record<string, unknown>).__permafrostStop as (() => Promise<void>) | undefined;
  await stop?.();
  const runDir = process.env[TEST_RUN_DIR_ENV];
  if (runDir && process.env.PERMAFROST_KEEP_TEST_DATA !== '1') rmSync(runDir, { recursive: true, force: true });
}

/** The fault suite's cases append their real counts to faults.jsonl; this sums them into one line. */
function printFaultSummary(): void {
  const file = process.env[TEST_RUN_DIR_ENV] ? join(process.env[TEST_RUN_DIR_ENV]!, 'faults.jsonl') : undefined;
  if (!file || !existsSync(file)) return;
  const records = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { injected: number; lost: number; duplicated: number });
  const sum = (k: 'injected' | 'lost' | 'duplicated') => records.reduce((n, r) => n + r[k], 0);
  process.stdout.write(`\nfaults: ${sum('injected')} injected, ${sum('lost')} lost, ${sum('duplicated')} duplicated (${records.length} cases)\n`);
}
