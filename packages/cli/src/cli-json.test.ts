import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ensureDatabase } from '@permafrost/backend-lib/servers';
import { repoRoot } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir, withoutServerEnv } from '@permafrost/dev-stack/testing';
import { buildProgram } from './program';

// Integration: every command that supports --json, run as a real process on the embedded stack (a
// `stack up` instance: Postgres, S3 and the shared engine server in the background; the demo on its own
// embedded engine), its real stdout validated against packages/cli/schemas with ajv — successes, typed
// errors and usage errors alike.
const launcher = resolve(repoRoot, 'packages/cli/bin/permafrost.js');
const schemaDir = resolve(repoRoot, 'packages/cli/schemas');
const INSTANCE = 'json';

// strictRequired off: a `required` inside an allOf branch names properties the branch's sibling declares.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
for (const file of readdirSync(schemaDir)) ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')));
const schemaOf = (command: string) => (command === 'permafrost' ? 'envelope.schema.json' : `${command.replace(/ /g, '-')}.schema.json`);

interface Envelope { schemaVersion: number; command: string; ok: boolean; data?: any; error?: { code: string; message: string; details: Record<string, any> } }

describe('permafrost --json: every command against its JSON Schema', () => {
  let env: NodeJS.ProcessEnv;
  let perProcessEnv: NodeJS.ProcessEnv;
  const seen = new Set<string>();
  let ws: string;
  let ws2: string;

  /** Runs a command with --json; its stdout must be exactly one envelope, valid for its command, ok iff exit 0. */
  const json = async (args: string[], options: { instance?: boolean; env?: NodeJS.ProcessEnv } = {}) => {
    const result = await runNode(launcher, ['--json', ...(options.instance === false ? [] : ['--instance', INSTANCE]), ...args], options.env ?? env);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect([args, lines.length]).toEqual([args, 1]);
    const envelope = JSON.parse(lines[0]!) as Envelope;
    const validate = ajv.getSchema(schemaOf(envelope.command))!;
    expect([args, validate(envelope) ? 'valid' : validate.errors]).toEqual([args, 'valid']);
    expect([args, envelope.ok]).toEqual([args, result.code === 0]);
    seen.add(envelope.ok ? envelope.command : `${envelope.command} ${envelope.error!.code}`);
    return { ...result, envelope };
  };
  const ok = async (...args: string[]) => {
    const r = await json(args);
    expect([args, r.code, r.envelope.error]).toEqual([args, 0, undefined]);
    return r.envelope.data;
  };
  const failed = async (code: string, exit: number, ...args: string[]) => {
    const r = await json(args);
    expect([args, r.code, r.envelope.error?.code]).toEqual([args, exit, code]);
    return r.envelope.error!;
  };
  const progressLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l));

  beforeAll(async () => {
    buildProject('packages/cli');
    const dataDir = testTempDir('cli-json');
    env = { ...withoutServerEnv(process.env), PERMAFROST_DATA_DIR: dataDir, NO_COLOR: '1' };
    perProcessEnv = { ...process.env, PERMAFROST_DATA_DIR: dataDir, NO_COLOR: '1', DATABASE_URL: await ensureDatabase(process.env.DATABASE_URL!, `json_${randomBytes(5).toString('hex')}`) };
  });

  afterAll(async () => {
    await runNode(launcher, ['--instance', INSTANCE, 'stack', 'down'], env);
  });

  it('every declared command has a schema', () => {
    const names = (c: ReturnType<typeof buildProgram>, prefix = ''): string[] =>
      c.commands.flatMap((sub) => (sub.commands.length > 0 ? names(sub, `${prefix}${sub.name()} `) : [`${prefix}${sub.name()}`]));
    const missing = names(buildProgram()).filter((n) => ajv.getSchema(schemaOf(n)) === undefined);
    expect(missing).toEqual([]);
  });

  it('stack up, create, seed (progress as JSON lines), status, plan', async () => {
    const up = await ok('stack', 'up');
    expect(up).toMatchObject({ instance: INSTANCE, alreadyRunning: false });
    ws = (await ok('create', `json-${randomUUID()}`)).id;
    ws2 = (await ok('create', `json-${randomUUID()}`, '--external-id', `ext-${randomUUID()}`)).id;
    const seeded = await json(['--progress', 'json', 'seed', '--events', '1500', '--workspace', ws]);
    expect(seeded.envelope.data).toMatchObject({ inserted: 1500 });
    const lines = progressLines(seeded.stderr);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(ajv.validate('progress-event.schema.json', line) ? 'valid' : ajv.errors).toBe('valid');
    expect(lines.at(-1)).toMatchObject({ step: 'seed', done: 1500, total: 1500, workspaceId: ws });
    await ok('seed', '--events', '500', '--workspace', ws2);
    expect((await ok('status')).workspaces.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining([ws, ws2]));
    expect((await ok('status', ws)).workspaces).toHaveLength(1);
    expect(await ok('plan', ws)).toMatchObject({ nextOperation: 'none', hot: { rows: 1500 } });
  });

  it('pause (progress as JSON lines), archive, resume, retry', async () => {
    const paused = await json(['--progress', 'json', 'pause', ws]);
    expect(paused.envelope.data).toMatchObject({ state: 'completed', to: 'Paused' });
    const lines = progressLines(paused.stderr);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(ajv.validate('progress-event.schema.json', line) ? 'valid' : ajv.errors).toBe('valid');
    expect(lines.every((l) => l.operationId === paused.envelope.data.operationId)).toBe(true);
    expect(await ok('archive', ws)).toMatchObject({ workspaceId: ws });
    expect(await ok('resume', ws)).toMatchObject({ from: 'Paused', to: 'Active' });
    expect(await ok('retry', ws)).toMatchObject({ retried: false });
  });

  it('tombstone --async, wait (timeout, then completed by a worker), untombstone', async () => {
    const queued = await ok('tombstone', ws2, '--async');
    expect(queued).toEqual({ operationId: expect.any(String), workspaceId: ws2, transition: 'tombstone', state: 'queued' });
    await failed('OPERATION_TIMEOUT', 1, 'wait', queued.operationId, '--timeout', '1');
    const worker = spawn(process.execPath, [launcher, '--json', '--instance', INSTANCE, 'worker', '--reconcile-cron', 'off'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((ready, fail) => {
        let out = '';
        worker.stdout!.on('data', (d) => (out += d) && out.includes('\n') && ready(out.split('\n')[0]!));
        worker.once('exit', (code) => fail(new Error(`worker exited ${code}`)));
      });
      const envelope = JSON.parse(line) as Envelope;
      expect(ajv.validate('worker.schema.json', envelope) ? 'valid' : ajv.errors).toBe('valid');
      seen.add('worker');
      expect(await ok('wait', queued.operationId, '--timeout', '60')).toMatchObject({ operationId: queued.operationId, state: 'completed', to: 'Tombstoned' });
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    expect(await ok('untombstone', ws2)).toMatchObject({ to: 'Active' });
  });

  it('reconcile and gc', async () => {
    expect(await ok('reconcile', '--dry-run')).toMatchObject({ dryRun: true, findings: expect.any(Array) });
    expect(await ok('gc', '--dry-run')).toMatchObject({ dryRun: true, deleted: 0 });
  });

  it('typed errors and usage errors are failure envelopes', async () => {
    expect(await failed('NOT_FOUND', 1, 'status', randomUUID())).toMatchObject({ details: { workspaceId: expect.any(String) } });
    expect(await failed('ILLEGAL_TRANSITION', 1, 'resume', ws)).toMatchObject({ details: { workspaceId: ws } });
    await failed('INSTANCE_RUNNING', 1, 'stack', 'up', '--fresh', '--force');
    await failed('USAGE', 2, 'pause');
    await failed('USAGE', 2, 'seed', '--events', 'many', '--workspace', ws);
    await failed('USAGE', 2, 'stack', 'up', '--bogus');
    const unknown = await json(['frobnicate']);
    expect(unknown.envelope).toMatchObject({ command: 'permafrost', ok: false, error: { code: 'USAGE' } });
  });

  it('demo on its own embedded engine', async () => {
    const demo = await json(['demo', '--events', '900', '--workspaces', '3'], { instance: false, env: perProcessEnv });
    expect(demo.code).toBe(0);
    expect(demo.envelope.data).toMatchObject({ events: 900, workspaces: 3, stack: { clickhouse: 'embedded' } });
  });

  it('stack down, then a wipe of the data it left needs --force (and happens with it); --version', async () => {
    expect(await ok('stack', 'down')).toEqual({ stopped: true });
    expect(await ok('stack', 'down')).toEqual({ stopped: false });
    expect(await failed('FORCE_REQUIRED', 1, 'stack', 'up', '--fresh')).toMatchObject({ details: { instance: INSTANCE } });
    // The refused wipe changed nothing (read here by an engine of this command's own: no stack runs).
    expect((await ok('status')).workspaces.length).toBeGreaterThan(0);
    // With --force it wipes: the instance starts empty.
    expect(await ok('stack', 'up', '--fresh', '--force')).toMatchObject({ alreadyRunning: false });
    expect(await ok('status')).toEqual({ workspaces: [], coldParts: expect.arrayContaining([expect.objectContaining({ table: 'user_events_cold_storage', activeParts: 0 })]) });
    expect(await ok('--version')).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  afterAll(() => {
    // What this file validated for real (a command missing here was never run against its schema).
    const expected = ['stack up', 'stack down', 'create', 'seed', 'status', 'plan', 'pause', 'archive', 'resume', 'retry', 'tombstone', 'wait', 'worker', 'untombstone', 'reconcile', 'gc', 'demo', 'version',
      'wait OPERATION_TIMEOUT', 'status NOT_FOUND', 'resume ILLEGAL_TRANSITION', 'stack up INSTANCE_RUNNING', 'stack up FORCE_REQUIRED', 'pause USAGE', 'seed USAGE', 'stack up USAGE', 'permafrost USAGE'];
    expect(expected.filter((e) => !seen.has(e))).toEqual([]);
  });
});
