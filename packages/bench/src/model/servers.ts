import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataRoot, freePort, readStackEnv, startServices, type RunningServices } from '@permafrost/dev-stack';

/**
 * Postgres and S3 for the CLI runner, in their own child process (as the jest global setup does), so the
 * runner can close and reopen its engine around a crash worker without stopping them. Servers the
 * environment names win. Returns what to stop at the end; the variables are set in process.env, which
 * the engine (from_env) and every crash worker read.
 */
export async function startModelServers(instance: string): Promise<{ dataRoot: string; stop(): Promise<void> }> {
  const env = readStackEnv();
  const dataRoot = env.PERMAFROST_DATA_DIR ?? defaultDataRoot;
  // A fresh instance every run: a model run's data is worthless afterwards.
  rmSync(join(dataRoot, instance), { recursive: true, force: true });
  let services: RunningServices | undefined;
  if (!env.DATABASE_URL || !env.PERMAFROST_S3_ENDPOINT) {
    const s3Port = await freePort();
    const pgPort = await freePort();
    services = await startServices({
      dataDir: join(dataRoot, instance, 'services'),
      fresh: true,
      s3: env.PERMAFROST_S3_ENDPOINT ? undefined : { port: s3Port, bucket: env.PERMAFROST_S3_BUCKET, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', portSetting: 'PERMAFROST_S3_PORT' },
      postgres: env.DATABASE_URL ? undefined : { port: pgPort, user: 'permafrost', password: 'permafrost', portSetting: 'PERMAFROST_POSTGRES_PORT' },
    });
    if (!env.PERMAFROST_S3_ENDPOINT) {
      Object.assign(process.env, {
        PERMAFROST_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
        PERMAFROST_S3_ACCESS_KEY_ID: 'S3RVER',
        PERMAFROST_S3_SECRET_ACCESS_KEY: 'S3RVER',
        PERMAFROST_S3_PREFIX: instance,
      });
    }
    if (!env.DATABASE_URL) process.env.DATABASE_URL = `postgres://permafrost:permafrost@127.0.0.1:${pgPort}/postgres`;
  }
  return { dataRoot, stop: async () => void (await services?.stop()) };
}
