import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensureDatabase, freePort, startServices, type RunningServices } from '@permafrost/dev-stack';

/**
 * The servers a fault case owns: an S3 server (s3rver) it can stop and start, a Postgres database, and
 * an engine directory shared by the case's worker processes (one at a time: chDB binds it per process).
 */
export interface FaultEnvironment {
  env: NodeJS.ProcessEnv;
  stopS3(): Promise<void>;
  startS3(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultEnvironment(dataDir: string, prefix: string): Promise<FaultEnvironment> {
  const s3Port = await freePort();
  const pgPort = await freePort();
  let s3: RunningServices | undefined;
  const startS3 = async () => {
    s3 = await startServices({ dataDir: join(dataDir, 's3-services'), fresh: false, s3: { port: s3Port, bucket: 'permafrost-cold', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', portSetting: 'PERMAFROST_S3_PORT' } });
  };
  await startS3();
  const postgres = await startServices({ dataDir: join(dataDir, 'pg-services'), fresh: false, postgres: { port: pgPort, user: 'permafrost', password: 'permafrost', portSetting: 'PERMAFROST_POSTGRES_PORT' } });
  const database = `faults_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(`postgres://permafrost:permafrost@127.0.0.1:${pgPort}/postgres`, database);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PERMAFROST_DATA_DIR: dataDir,
    PERMAFROST_FAULT_INSTANCE: 'engine',
    PERMAFROST_FAULT_DATABASE: database,
    DATABASE_URL: `postgres://permafrost:permafrost@127.0.0.1:${pgPort}/postgres`,
    PERMAFROST_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    PERMAFROST_S3_BUCKET: 'permafrost-cold',
    PERMAFROST_S3_PREFIX: prefix,
    PERMAFROST_S3_ACCESS_KEY_ID: 'S3RVER',
    PERMAFROST_S3_SECRET_ACCESS_KEY: 'S3RVER',
    // Fail fast while S3 is down (measured: ~1.5 s at 3); the default 4 is for production blips.
    PERMAFROST_S3_RETRY_ATTEMPTS: '2',
  };
  delete env.PERMAFROST_CLICKHOUSE_URL;
  delete env.PERMAFROST_S3_DISK_ENDPOINT;
  return {
    env,
    startS3,
    stopS3: async () => s3?.stop(),
    stop: async () => {
      await s3?.stop();
      await postgres.stop();
    },
  };
}
