import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ensureDatabase, repoRoot } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir, withoutServerEnv } from '@permafrost/dev-stack/testing';

// Integration: the permafrost CLI as a real process, each run loading its own chDB engine, against the
// test run's Postgres (a database of this file's own) and S3.
const bin = resolve(repoRoot, 'packages/cli/bin/permafrost.js'); // the launcher npm links as `permafrost`
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]) => runNode(bin, args, env);
/** Runs with --json; expects exit 0 and the success envelope; returns its data. */
const json = async (...args: string[]) => {
  const result = await cli('--json', ...args);
  expect(result).toMatchObject({ code: 0 });
  const envelope = JSON.parse(result.stdout);
  expect(envelope).toMatchObject({ schemaVersion: 1, ok: true });
  return envelope.data;
};

describe('permafrost CLI', () => {
  let workspace: string;

  beforeAll(async () => {
    buildProject('packages/cli');
    const dataDir = testTempDir('cli');
    env = {
      ...process.env,
      PERMAFROST_DATA_DIR: dataDir,
      DATABASE_URL: await ensureDatabase(process.env.DATABASE_URL!, `cli_${randomBytes(5).toString('hex')}`),
      NO_COLOR: '1',
    };
  });

  it('create: human and --json', async () => {
    const name = `cli-${randomUUID()}`;
    const human = await cli('create', name, '--external-id', `ext-${name}`);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`created workspace [0-9a-f-]{36} \\(${name}\\)`));
    const created = await json('create', `${name}-2`);
    expect(created).toEqual({ id: expect.any(String), name: `${name}-2`, externalId: null, status: 'Active', createdAt: expect.any(String) });
    workspace = created.id;
  });

  it('seed, status and plan: human and --json', async () => {
    expect(await json('seed', '--events', '2400', '--workspace', workspace)).toMatchObject({ inserted: 2400 });
    const status = await json('status', workspace);
    expect(status.workspaces).toEqual([expect.objectContaining({ id: workspace, status: 'Active', coldStorage: 'none', hotRows: 2400, coldRows: 0 })]);
    const all = await json('status');
    expect(all.workspaces.map((w: { id: string }) => w.id)).toContain(workspace);
    const human = await cli('status');
    expect(human.stdout).toMatch(/workspace\s+name\s+status\s+cold storage/);
    expect(human.stdout).toContain(workspace);
    const plan = await json('plan', workspace);
    // Active: its events are live, so nothing is to be archived (the plan used to say "next: archive").
    expect(plan).toMatchObject({ nextOperation: 'none', strategy: 'table', hot: { rows: 2400 } });
    expect(plan.hot.partitions.length).toBeGreaterThan(6);
    const planText = (await cli('plan', workspace)).stdout;
    expect(planText).toMatch(/next: none[\s\S]*total\s+2400/);
    expect(planText).not.toMatch(/next: archive/);
  });

  it('pause and resume move the events to cold storage and back', async () => {
    const paused = await json('pause', workspace);
    expect(paused).toMatchObject({ state: 'completed', from: 'Active', to: 'Paused', hooks: [{ plugin: 'cold-storage', ok: true, note: expect.stringMatching(/archived 2400 events/) }] });
    expect(Number.isInteger(paused.durationMs)).toBe(true);
    expect((await json('status', workspace)).workspaces[0]).toMatchObject({ status: 'Paused', coldStorage: 'archived', coldRows: 2400 });
    const resumed = await cli('resume', workspace);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/Paused → Active/);
    expect(resumed.stdout).toMatch(/restored 2400 events/);
    expect((await json('status', workspace)).workspaces[0]).toMatchObject({ status: 'Active', coldStorage: 'none', hotRows: 2400, coldRows: 0 });
  });

  it('tombstone and untombstone, and retry with nothing to retry', async () => {
    expect(await json('tombstone', workspace)).toMatchObject({ to: 'Tombstoned' });
    expect(await json('untombstone', workspace)).toMatchObject({ to: 'Active' });
    expect(await json('retry', workspace)).toEqual({ retried: false, reason: expect.stringMatching(/nothing to retry/) });
  });

  it('two commands on one instance at once: the second waits for the first, naming it', async () => {
    const [a, b] = await Promise.all([cli('--json', 'status', workspace), cli('--json', 'status', workspace)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(`${a.stderr}${b.stderr}`).toMatch(/instance cli is in use by pid \d+ \(command status\) on host \S+; waiting for it to finish/);
  });

  it('an unknown workspace and a malformed id: exit 1 with a typed error', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', "x'; DROP TABLE workspace; --"]) {
      const human = await cli('pause', id);
      expect(human.code).toBe(1);
      expect(human.stderr).toMatch(/NOT_FOUND/);
      const machine = await cli('--json', 'status', id);
      expect(machine.code).toBe(1);
      expect(JSON.parse(machine.stdout)).toMatchObject({ schemaVersion: 1, command: 'status', ok: false, error: { code: 'NOT_FOUND' } });
    }
    const illegal = await cli('--json', 'resume', workspace);
    expect(illegal.code).toBe(1);
    expect(JSON.parse(illegal.stdout)).toMatchObject({ command: 'resume', ok: false, error: { code: 'ILLEGAL_TRANSITION', details: { workspaceId: workspace } } });
  });

  it('usage errors exit 2: missing argument, bad number, unknown command, bad strategy; with --json the USAGE envelope', async () => {
    const cases: Array<[string[], string]> = [
      [['pause'], 'pause'], [['seed', '--events', '-5', '--workspace', workspace], 'seed'], [['seed', '--workspace', workspace], 'seed'],
      [['frobnicate'], 'permafrost'], [['--strategy', 'zip', 'status'], 'status'], [['--instance', 'x', 'stack', 'up', '--bogus'], 'stack up'],
      [['wait', randomUUID(), '--timeout', '0'], 'wait'], [['worker', '--concurrency', '99'], 'worker'], [['demo', '--workspaces', '1'], 'demo'],
    ];
    for (const [args, command] of cases) {
      const result = await cli(...args);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stderr).toMatch(/error/);
      expect(result.stdout).toBe('');
      const machine = await cli('--json', ...args);
      expect([args, machine.code]).toEqual([args, 2]);
      expect(JSON.parse(machine.stdout)).toEqual({ schemaVersion: 1, command, ok: false, error: { code: 'USAGE', message: expect.any(String), details: expect.any(Object) } });
    }
  });

  it('demo runs the whole job and prints PASS', async () => {
    const human = await cli('demo', '--events', '3000');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^PASS: 3000 events, 3 workspaces, strategy table/m); // 3000 ÷ 3 workspaces
    const machine = await json('--strategy', 'parquet', 'demo', '--events', '2000', '--workspaces', '2');
    expect(machine).toMatchObject({ strategy: 'parquet', workspaces: 2, events: 2000 });
    expect(machine.steps.every((s: { ok: boolean }) => s.ok)).toBe(true);
  });

  it('stack up / down: a background Postgres, S3 and shared ClickHouse engine that later commands connect to', async () => {
    const embedded = withoutServerEnv(env);
    const saved = env;
    env = embedded;
    try {
      const upRun = await cli('--instance', 'bg', 'stack', 'up');
      expect(upRun.code).toBe(0);
      // No secret on the screen: the password is masked, the S3 keys (S3RVER for s3rver) left out.
      expect(upRun.stdout).toMatch(/postgres:\s+postgres:\/\/permafrost:\*\*\*@127\.0\.0\.1:\d+\/permafrost/);
      expect(upRun.stdout + upRun.stderr).not.toMatch(/S3RVER|permafrost:permafrost@/);
      const up = await json('--instance', 'bg', 'stack', 'up');
      expect(up).toMatchObject({ alreadyRunning: true, postgresUrl: expect.stringMatching(/^postgres:\/\/permafrost:\*\*\*@.*\/permafrost$/) });
      expect(JSON.stringify(up)).not.toMatch(/S3RVER/);
      expect(statSync(up.settingsFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(up.settingsFile, 'utf8')).s3.secretAccessKey).toBe('S3RVER');
      expect(up.clickhouseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
      expect(() => process.kill(up.pid, 0)).not.toThrow();
      expect(() => process.kill(up.enginePid, 0)).not.toThrow();
      expect(await (await fetch(`${up.clickhouseUrl}/ping`)).text()).toBe('Ok.\n');
      const ws = (await json('--instance', 'bg', 'create', `bg-${randomUUID()}`)).id;
      expect(await json('--instance', 'bg', 'seed', '--events', '3000', '--workspace', ws)).toMatchObject({ inserted: 3000 });
      expect(await json('--instance', 'bg', 'pause', ws)).toMatchObject({ to: 'Paused' });
      // Against a running stack, --fresh and demo refuse to wipe it (nothing changed), with or without --force.
      for (const args of [['stack', 'up', '--fresh', '--force'], ['demo', '--force']]) {
        const refused = await cli('--json', '--instance', 'bg', ...args);
        expect([args, refused.code]).toEqual([args, 1]);
        expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'INSTANCE_RUNNING', details: { instance: 'bg' } });
      }
      // The archive's deletes run in the engine server after the command exited; two commands at once
      // share the engine (no turn-taking on the instance lock).
      let status: { hotRows: number; coldRows: number } | undefined;
      for (let i = 0; i < 40 && (!status || status.hotRows !== 0); i++) {
        const [a, b] = await Promise.all([cli('--json', '--instance', 'bg', 'status', ws), cli('--json', '--instance', 'bg', 'plan', ws)]);
        expect(a.code).toBe(0);
        expect(b.code).toBe(0);
        expect(a.stderr + b.stderr).not.toMatch(/waiting for another/);
        status = JSON.parse(a.stdout).data.workspaces[0];
        if (status!.hotRows !== 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toMatchObject({ hotRows: 0, coldRows: 3000 });
      expect(await json('--instance', 'bg', 'stack', 'down')).toEqual({ stopped: true });
      expect(() => process.kill(up.pid, 0)).toThrow();
      expect(() => process.kill(up.enginePid, 0)).toThrow();
      expect(await json('--instance', 'bg', 'stack', 'down')).toEqual({ stopped: false });
      // Stopped, its data stays; wiping it takes --force.
      for (const args of [['stack', 'up', '--fresh'], ['demo']]) {
        const refused = await cli('--json', '--instance', 'bg', ...args);
        expect([args, refused.code]).toEqual([args, 1]);
        expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'FORCE_REQUIRED', message: expect.stringMatching(/--force/) });
      }
      expect(existsSync(resolve(up.dataDir, 'clickhouse'))).toBe(true);
    } finally {
      env = saved;
    }
  });
});
