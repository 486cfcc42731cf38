import { rmSync } from 'node:fs';
import { TEST_RUN_DIR_ENV } from './test-stack';

export default async function globalTeardown(): Promise<void> {
  const stop = (globalThis as Record<string, unknown>).__permafrostStop as (() => Promise<void>) | undefined;
  await stop?.();
  const runDir = process.env[TEST_RUN_DIR_ENV];
  if (runDir && process.env.PERMAFROST_KEEP_TEST_DATA !== '1') rmSync(runDir, { recursive: true, force: true });
}
