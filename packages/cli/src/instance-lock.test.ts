import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '@permafrost/dev-stack';
import { buildProject, testTempDir } from '@permafrost/dev-stack/testing';
import { lockInstance } from './instance-lock';

// Processes: another process (the compiled module) holds an instance lock; this one asks for it while
// the holder lives, then after the holder was SIGKILLed (a crashed command leaves its lock behind).
const lockModule = resolve(repoRoot, 'packages/cli/dist/instance-lock.js');

function holdLock(dir: string): Promise<ChildProcess> {
  const script = `require(${JSON.stringify(lockModule)}).lockInstance(${JSON.stringify(dir)}, { instance: 'held', command: 'pause', onWait() {} })` +
    `.then(() => { process.stdout.write('locked\\n'); setInterval(() => undefined, 1000); })`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ready, fail) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && ready(child));
    child.once('exit', (code) => fail(new Error(`lock holder exited (${code})`)));
  });
}

describe('instance lock', () => {
  let dir: string;
  let holder: ChildProcess;

  beforeAll(async () => {
    buildProject('packages/cli');
    dir = join(testTempDir('lock'), 'held');
    holder = await holdLock(dir);
  });

  afterAll(() => {
    holder.kill('SIGKILL');
  });

  it('a live holder is waited for and named: pid, command, host; INSTANCE_BUSY past the timeout', async () => {
    const waits: string[] = [];
    const started = Date.now();
    const err = await lockInstance(dir, { instance: 'held', command: 'status', onWait: (m) => waits.push(m), timeoutMs: 1500 }).then(() => undefined, (e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(waits).toEqual([`instance held is in use by pid ${holder.pid} (command pause) on host ${hostname()}; waiting for it to finish…`]);
    expect(err).toMatchObject({ code: 'INSTANCE_BUSY', details: { instance: 'held', pid: holder.pid, holderCommand: 'pause' } });
    expect((err as Error).message).toMatch(new RegExp(`in use by pid ${holder.pid} \\(command pause\\)`));
  });

  it('a holder that died (SIGKILL) is taken over at once, not after the 15 s stale period', async () => {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const waits: string[] = [];
    const started = Date.now();
    const release = await lockInstance(dir, { instance: 'held', command: 'status', onWait: (m) => waits.push(m), timeoutMs: 10_000 });
    const tookMs = Date.now() - started;
    expect(waits).toEqual([]);
    expect(tookMs).toBeLessThan(3000);
    // Ours now: a second request sees this process as the holder.
    const second: string[] = [];
    await expect(lockInstance(dir, { instance: 'held', command: 'plan', onWait: (m) => second.push(m), timeoutMs: 300 })).rejects.toMatchObject({ code: 'INSTANCE_BUSY' });
    expect(second[0]).toContain(`pid ${process.pid} (command status)`);
    await release();
    const again = await lockInstance(dir, { instance: 'held', command: 'plan', onWait: () => undefined, timeoutMs: 300 });
    await again();
  });
});
