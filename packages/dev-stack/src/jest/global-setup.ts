import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startContainers } from '../containers';
import { dockerEngineAnswers } from '../docker';
import { defaultDataRoot } from '../paths';
import { freePort } from '../ports';
import { startServices } from '../services';
import { diskEndpoint } from '@permafrost/backend-lib/servers';
import { readStackEnv, type StackEnv } from '@permafrost/backend-lib/servers';
import { TEST_RUN_DIR_ENV } from './test-stack';

/**
 * One Postgres and one S3 for the whole run, shared by every worker (each worker still gets its own
 * chDB engine, database and S3 prefix; see test-stack.ts). Servers named by the environment win;
 * then containers where a Docker engine answers; then the embedded services.
 */
export default async function globalSetup(): Promise<void> {
  const env = readStackEnv();
  const runDir = join(env.PERMAFROST_DATA_DIR ?? defaultDataRoot, 'jest', `run-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  process.env[TEST_RUN_DIR_ENV] = runDir;
  // One S3 prefix for the run: engines in different workers never collide in a shared prefix (each
  // S3-disk object gets a random key and each engine deletes only the objects its metadata lists).
  process.env.PERMAFROST_S3_PREFIX = `${env.PERMAFROST_S3_PREFIX}/test-run-${process.pid}`;
  try {
    if (env.DATABASE_URL && env.PERMAFROST_S3_ENDPOINT) return;
    await startSharedServers(env, runDir);
  } finally {
    exportDiskEnvironment();
  }
}

/**
 * The engine reads its disk endpoint and keys with from_env, i.e. from the C environment. Inside a jest
 * test `process.env` is a sandbox copy whose writes never reach getenv(), so the values are set here,
 * in the parent, from which every worker inherits them.
 */
function exportDiskEnvironment(): void {
  const env = readStackEnv();
  if (!env.PERMAFROST_S3_ENDPOINT || env.PERMAFROST_CLICKHOUSE_URL) return;
  process.env.PERMAFROST_S3_DISK_ENDPOINT = diskEndpoint({
    endpoint: env.PERMAFROST_S3_ENDPOINT,
    bucket: env.PERMAFROST_S3_BUCKET,
    prefix: env.PERMAFROST_S3_PREFIX,
    accessKeyId: '',
    secretAccessKey: '',
  });
}

async function startSharedServers(env: StackEnv, runDir: string): Promise<void> {
  if (process.env.PERMAFROST_TESTCONTAINERS !== '0' && (await dockerEngineAnswers())) {
    const containers = await startContainers();
    Object.assign(process.env, containers.env);
    (globalThis as Record<string, unknown>).__permafrostStop = containers.stop;
    return;
  }

  const s3Port = await freePort();
  const postgresPort = await freePort();
  const services = await startServices({
    dataDir: join(runDir, 'services'),
    fresh: true,
    s3: env.PERMAFROST_S3_ENDPOINT ? undefined : { port: s3Port, bucket: env.PERMAFROST_S3_BUCKET, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', portSetting: 'PERMAFROST_S3_PORT' },
    postgres: env.DATABASE_URL ? undefined : { port: postgresPort, user: 'permafrost', password: 'permafrost', portSetting: 'PERMAFROST_POSTGRES_PORT' },
  });
  if (!env.PERMAFROST_S3_ENDPOINT) {
    Object.assign(process.env, {
      PERMAFROST_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      PERMAFROST_S3_ACCESS_KEY_ID: 'S3RVER',
      PERMAFROST_S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
  }
  if (!env.DATABASE_URL) {
    process.env.DATABASE_URL = `postgres://permafrost:permafrost@127.0.0.1:${postgresPort}/postgres`;
  }
  (globalThis as Record<string, unknown>).__permafrostStop = services.stop;
}
