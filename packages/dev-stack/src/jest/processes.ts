import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Node script as a real process and collects its output (tests of CLIs and stacks). */
export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The environment minus every variable that names a server: a child given it starts its own embedded stack. */
export function withoutServerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const key of Object.keys(copy)) {
    if (/^(PERMAFROST_(S3|CLICKHOUSE|POSTGRES)_|DATABASE_URL$)/.test(key)) delete copy[key];
  }
  return copy;
}

/**
 * A scratch directory inside the test run's directory (removed by the global teardown), readable by the
 * `postgres` user that the embedded Postgres runs as under root.
 */
export function testTempDir(prefix: string): string {
  const root = process.env.PERMAFROST_TEST_RUN_DIR ?? tmpdir();
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}
