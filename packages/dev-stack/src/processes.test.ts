import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildProject } from './jest/build';
import { runNode, testTempDir, withoutServerEnv } from './jest/processes';
import { repoRoot } from './paths';

// Integration: whole stacks (chDB + s3rver + embedded Postgres) in child processes, as a developer runs them.
const cli = resolve(repoRoot, 'packages/dev-stack/dist/cli.js');

/** A child with none of the shared servers' variables: it starts its own embedded stack. */
const embeddedEnv = (dataDir: string) => ({ ...withoutServerEnv(process.env), PERMAFROST_DATA_DIR: dataDir });
const run = (args: string[], env: NodeJS.ProcessEnv) => runNode(cli, args, env);

/** Processes whose command line mentions `needle` (postgres runs with -D <its data dir>). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('dev stack processes', () => {
  const dataDir = testTempDir('stacks');
  beforeAll(() => buildProject('packages/dev-stack'));

  it('two stacks started in parallel do not collide, and stopping leaves no process behind', async () => {
    const [a, b] = await Promise.all([
      run(['--json', 'smoke'], embeddedEnv(dataDir)),
      run(['--json', 'smoke'], embeddedEnv(dataDir)),
    ]);
    for (const result of [a, b]) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ ok: true, roundTripIdentical: true, modes: { clickhouse: 'embedded', postgres: 'embedded', s3: 'embedded' } });
      expect(summary.objectsWritten).toBeGreaterThan(0);
    }
    expect(processesMentioning(dataDir)).toEqual([]);
  });

  it('a SIGKILLed parent takes its Postgres and S3 with it', async () => {
    const child: ChildProcess = spawn(process.execPath, [cli, '--json', '--name', 'killed', 'up'], {
      env: embeddedEnv(dataDir),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((r, reject) => {
      createInterface({ input: child.stdout! }).once('line', r);
      child.once('exit', (code) => reject(new Error(`stack up exited with ${code} before it was ready`)));
    });
    const up = JSON.parse(line);
    expect(up.pid).toBe(child.pid);
    const instanceDir = join(dataDir, 'killed');
    expect(processesMentioning(instanceDir).length).toBeGreaterThanOrEqual(2); // services process + postgres

    child.kill('SIGKILL');
    expect(await eventually(() => processesMentioning(instanceDir).length === 0, 15_000)).toBe(true);
  });
});
