import { randomBytes } from 'node:crypto';
import { startStack, type Stack } from '../stack';

export const TEST_RUN_DIR_ENV = 'PERMAFROST_TEST_RUN_DIR';

export interface TestStack extends Stack {
  /** The Postgres database made for this test file alone. */
  database: string;
}

/**
 * The stack of one test file. chDB binds one data directory per process, so every file a worker runs
 * reuses the worker's engine directory (tables persist between files: tests key their data by fresh
 * workspace ids); Postgres gets a fresh database per file; S3 objects go under the run's prefix.
 */
export async function startTestStack(): Promise<TestStack> {
  const database = `t_${randomBytes(6).toString('hex')}`;
  const stack = await startStack({
    dataRoot: process.env[TEST_RUN_DIR_ENV],
    name: `worker-${process.pid}`,
    database,
  });
  return { ...stack, database };
}
export { buildProject } from './build';
export { runNode, testTempDir, withoutServerEnv, type ProcessResult } from './processes';
