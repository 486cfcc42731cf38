import { join } from 'node:path';
import {
  ensureDatabase, freePort, readStackEnv, spawnEngineServer, startServices, startStack,
  type EngineServerProcess, type RunningServices, type S3Location, type Stack,
} from '@permafrost/dev-stack';

/** The servers a fleet shares, and the environment that points a `permafrost worker` process at them. */
export interface FleetStack {
  /** This process's connections (its ClickHouse client talks to the shared engine over HTTP). */
  stack: Stack;
  postgresUrl: string;
  clickhouseUrl: string;
  s3: S3Location;
  /** Every server named: a worker given this environment starts none of its own. */
  workerEnv: NodeJS.ProcessEnv;
  /** Processes started here (for their peak RSS); empty when the environment named every server. */
  pids: { engineServer?: number; services?: number };
  stop(): Promise<void>;
}

const EMBEDDED = { user: 'permafrost', password: 'permafrost', s3Key: 'S3RVER' };

/**
 * The shared embedded stack as `permafrost stack up` runs it — Postgres and S3 in one child process,
 * the chDB engine in the engine server (chDB binds a data directory to one process, so a fleet of
 * processes shares one engine over HTTP) — but tied to this process: both children stop when it exits,
 * even by SIGKILL. Servers the environment names (DATABASE_URL, PERMAFROST_S3_ENDPOINT,
 * PERMAFROST_CLICKHOUSE_URL; jest's global setup names the first two) are used instead.
 */
export async function startFleetStack(options: { dir: string; database: string }): Promise<FleetStack> {
  const env = readStackEnv();
  const cleanup: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    let services: RunningServices | undefined;
    const s3Port = env.PERMAFROST_S3_ENDPOINT ? undefined : await freePort();
    const postgresPort = env.DATABASE_URL ? undefined : await freePort();
    if (s3Port !== undefined || postgresPort !== undefined) {
      services = await startServices({
        dataDir: join(options.dir, 'services'),
        fresh: true,
        s3: s3Port === undefined ? undefined : { port: s3Port, bucket: env.PERMAFROST_S3_BUCKET, accessKeyId: EMBEDDED.s3Key, secretAccessKey: EMBEDDED.s3Key, portSetting: 'PERMAFROST_S3_PORT' },
        postgres: postgresPort === undefined ? undefined : { port: postgresPort, user: EMBEDDED.user, password: EMBEDDED.password, portSetting: 'PERMAFROST_POSTGRES_PORT' },
      });
      cleanup.push(() => services!.stop());
    }
    const s3: S3Location = {
      endpoint: env.PERMAFROST_S3_ENDPOINT ?? `http://127.0.0.1:${s3Port}`,
      bucket: env.PERMAFROST_S3_BUCKET,
      prefix: env.PERMAFROST_S3_PREFIX,
      accessKeyId: env.PERMAFROST_S3_ENDPOINT ? env.PERMAFROST_S3_ACCESS_KEY_ID ?? '' : EMBEDDED.s3Key,
      secretAccessKey: env.PERMAFROST_S3_ENDPOINT ? env.PERMAFROST_S3_SECRET_ACCESS_KEY ?? '' : EMBEDDED.s3Key,
    };
    let engine: EngineServerProcess | undefined;
    if (!env.PERMAFROST_CLICKHOUSE_URL) {
      engine = await spawnEngineServer({ dataPath: join(options.dir, 'clickhouse'), s3, s3RetryAttempts: env.PERMAFROST_S3_RETRY_ATTEMPTS });
      cleanup.push(() => engine!.stop());
    }
    const clickhouseUrl = env.PERMAFROST_CLICKHOUSE_URL ?? engine!.url;
    const serverUrl = env.DATABASE_URL ?? `postgres://${EMBEDDED.user}:${EMBEDDED.password}@127.0.0.1:${postgresPort}/postgres`;
    const postgresUrl = await ensureDatabase(serverUrl, options.database);
    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: postgresUrl,
      PERMAFROST_CLICKHOUSE_URL: clickhouseUrl,
      PERMAFROST_S3_ENDPOINT: s3.endpoint,
      PERMAFROST_S3_BUCKET: s3.bucket,
      PERMAFROST_S3_PREFIX: s3.prefix,
      PERMAFROST_S3_ACCESS_KEY_ID: s3.accessKeyId,
      PERMAFROST_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      PERMAFROST_DATA_DIR: options.dir,
      NO_COLOR: '1',
    };
    // Connected like any command of a `stack up` instance: every server external, preflight checks included.
    const stack = await startStack({ env: workerEnv, name: 'requester' });
    cleanup.push(() => stack.stop());
    return { stack, postgresUrl, clickhouseUrl, s3, workerEnv, pids: { engineServer: engine?.pid, services: services?.pid }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
