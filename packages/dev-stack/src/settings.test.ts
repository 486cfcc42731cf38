import { createServer, type Server } from 'node:net';
import { StackConfigError, readStackEnv } from '@permafrost/backend-lib/servers';
import { startServices } from './services';
import { startStack } from './stack';
import { freePort } from './ports';
import { assertPostgresReachable, assertS3Writable } from '@permafrost/backend-lib/servers';
import { startTestStack, testTempDir, type TestStack } from './jest/test-stack';

// Bad configuration must fail within seconds, as a StackConfigError naming the variable to fix.
async function expectConfigError(p: Promise<unknown>, setting: string, withinMs: number): Promise<StackConfigError> {
  const started = Date.now();
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(StackConfigError);
  expect((err as StackConfigError).setting).toBe(setting);
  expect((err as Error).message).toContain(setting);
  expect(Date.now() - started).toBeLessThan(withinMs);
  return err as StackConfigError;
}

describe('stack configuration errors', () => {
  it('rejects a malformed URL by its variable name', () => {
    expect(() => readStackEnv({ PERMAFROST_CLICKHOUSE_URL: 'not a url' })).toThrow(/PERMAFROST_CLICKHOUSE_URL is invalid/);
    expect(() => readStackEnv({ PERMAFROST_POSTGRES_PORT: '70000' })).toThrow(/PERMAFROST_POSTGRES_PORT/);
  });

  it('an unreachable ClickHouse URL fails fast, naming PERMAFROST_CLICKHOUSE_URL', async () => {
    const closedPort = await freePort();
    const err = await expectConfigError(startStack({
      env: {
        PERMAFROST_CLICKHOUSE_URL: `http://127.0.0.1:${closedPort}`,
        PERMAFROST_S3_ENDPOINT: 'http://127.0.0.1:1',
        PERMAFROST_S3_ACCESS_KEY_ID: 'k',
        PERMAFROST_S3_SECRET_ACCESS_KEY: 's',
        DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
      },
    }), 'PERMAFROST_CLICKHOUSE_URL', 5000);
    expect(err.message).toMatch(/Cannot reach ClickHouse/);
  });

  it('an external ClickHouse without an S3 endpoint is refused before anything starts', async () => {
    await expectConfigError(startStack({ env: { PERMAFROST_CLICKHOUSE_URL: 'http://127.0.0.1:8123', DATABASE_URL: 'postgres://u:p@h/db' } }), 'PERMAFROST_S3_ENDPOINT', 1000);
  });

  it('a port that is taken fails fast, naming the port variable', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)));
    try {
      const dataDir = testTempDir('port');
      await expectConfigError(startServices({
        dataDir,
        fresh: true,
        postgres: { port, user: 'u', password: 'p', portSetting: 'PERMAFROST_POSTGRES_PORT' },
      }), 'PERMAFROST_POSTGRES_PORT', 5000);
      await expectConfigError(startServices({
        dataDir,
        fresh: true,
        s3: { port, bucket: 'b', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', portSetting: 'PERMAFROST_S3_PORT' },
      }), 'PERMAFROST_S3_PORT', 5000);
    } finally {
      blocker.close();
    }
  });

  describe('against the running stack', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack();
    });
    afterAll(async () => stack?.stop());

    it('a wrong S3 key fails fast, naming PERMAFROST_S3_ACCESS_KEY_ID', async () => {
      await expectConfigError(assertS3Writable(stack.clickhouse, { ...stack.s3, accessKeyId: 'WRONG', secretAccessKey: 'WRONG' }), 'PERMAFROST_S3_ACCESS_KEY_ID', 5000);
    });

    it('an unreachable Postgres fails fast, naming DATABASE_URL', async () => {
      const closedPort = await freePort();
      await expectConfigError(assertPostgresReachable(`postgres://u:secret@127.0.0.1:${closedPort}/db`), 'DATABASE_URL', 5000);
    });
  });
});
