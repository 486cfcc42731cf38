import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  assertColdStoragePolicy,
  assertPostgresReachable,
  assertS3Writable,
  connectExternalClickHouse,
  defaultDataRoot,
  ensureDatabase,
  readStackEnv,
  StackConfigError,
  type S3Location,
  type Servers,
  type ServerMode,
  type StackEnv,
} from '@permafrost/backend-lib/servers';
import { openDatabaseClient, openEmbeddedClickHouse } from './clickhouse';
import { freePort } from './ports';
import { startServices, type RunningServices, type ServicesSpec } from './services';

export type { ServerMode };

export interface StackOptions {
  /** Folder name of this instance under the data root; one chDB engine per process, so default per pid. */
  name?: string;
  /** Defaults to PERMAFROST_DATA_DIR, else `.permafrost-data/` in the repo (git-ignored). */
  dataRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** Remove the instance's data first. */
  fresh?: boolean;
  /** Postgres database to create and point at (default `permafrost`). */
  database?: string;
  /** Overrides PERMAFROST_S3_PREFIX, e.g. one prefix per test worker. */
  s3Prefix?: string;
  /**
   * Write a probe object through ClickHouse at start (default true), so a wrong endpoint or key fails
   * at once. Read-only commands that must answer while S3 is down (describe, status) turn it off.
   */
  checkS3?: boolean;
}

/** The servers (see @permafrost/backend-lib/servers), with where this instance's embedded data lives. */
export interface Stack extends Servers {
  dataDir: string;
  /**
   * Another ClickHouse client on the same engine or server whose statements run in `database` (which
   * must exist): e.g. a platform's own database beside Permafrost's. The caller closes it.
   */
  clickhouseIn(database: string): Promise<ClickHouseClient>;
}

const EMBEDDED_S3_KEY = 'S3RVER';
const EMBEDDED_PG = { user: 'permafrost', password: 'permafrost' };

/**
 * Starts what is not configured and connects to what is: each of ClickHouse, Postgres and S3 is a real
 * server when its variable is set and the embedded one otherwise. Fails fast, naming the variable.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = readStackEnv(options.env);
  const dataDir = join(options.dataRoot ?? env.PERMAFROST_DATA_DIR ?? defaultDataRoot, options.name ?? `stack-${process.pid}`);
  if (env.PERMAFROST_CLICKHOUSE_URL && !env.PERMAFROST_S3_ENDPOINT) {
    throw new StackConfigError('PERMAFROST_S3_ENDPOINT', 'PERMAFROST_CLICKHOUSE_URL is set but PERMAFROST_S3_ENDPOINT is not: a ClickHouse server keeps cold data in the S3 its storage.xml names, so give that S3 (as the server reaches it) too.');
  }
  // The engine's S3-disk metadata points at objects in the embedded S3: wipe both or neither.
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  const cleanup: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const services = await startEmbeddedServices(env, dataDir);
    if (services.running) cleanup.push(() => services.running!.stop());

    const s3: S3Location = {
      endpoint: env.PERMAFROST_S3_ENDPOINT ?? `http://127.0.0.1:${services.s3Port}`,
      bucket: env.PERMAFROST_S3_BUCKET,
      prefix: options.s3Prefix ?? env.PERMAFROST_S3_PREFIX,
      accessKeyId: env.PERMAFROST_S3_ENDPOINT ? required(env, 'PERMAFROST_S3_ACCESS_KEY_ID') : EMBEDDED_S3_KEY,
      secretAccessKey: env.PERMAFROST_S3_ENDPOINT ? required(env, 'PERMAFROST_S3_SECRET_ACCESS_KEY') : EMBEDDED_S3_KEY,
    };

    let clickhouse: ClickHouseClient;
    let clickhouseIn: (database: string) => Promise<ClickHouseClient>;
    if (env.PERMAFROST_CLICKHOUSE_URL) {
      clickhouse = await connectExternalClickHouse({
        url: env.PERMAFROST_CLICKHOUSE_URL,
        username: env.PERMAFROST_CLICKHOUSE_USER,
        password: env.PERMAFROST_CLICKHOUSE_PASSWORD,
        database: env.PERMAFROST_CLICKHOUSE_DATABASE,
      });
      cleanup.push(() => clickhouse.close());
      const url = env.PERMAFROST_CLICKHOUSE_URL;
      clickhouseIn = (database) => connectExternalClickHouse({ url, username: env.PERMAFROST_CLICKHOUSE_USER, password: env.PERMAFROST_CLICKHOUSE_PASSWORD, database });
    } else {
      const engine = await openEmbeddedClickHouse({
        path: join(dataDir, 'clickhouse'),
        s3,
        s3RetryAttempts: env.PERMAFROST_S3_RETRY_ATTEMPTS,
      });
      clickhouse = engine.client;
      cleanup.push(() => engine.close());
      clickhouseIn = (database) => openDatabaseClient(engine.path, database);
    }
    await assertColdStoragePolicy(clickhouse);
    if (options.checkS3 !== false) await assertS3Writable(clickhouse, s3);

    const serverUrl = env.DATABASE_URL ?? `postgres://${EMBEDDED_PG.user}:${EMBEDDED_PG.password}@127.0.0.1:${services.postgresPort}/postgres`;
    await assertPostgresReachable(serverUrl, env.DATABASE_URL ? 'DATABASE_URL' : 'PERMAFROST_POSTGRES_PORT');
    // An explicit DATABASE_URL names its database; the embedded server gets one of ours.
    const postgresUrl = env.DATABASE_URL && !options.database
      ? env.DATABASE_URL
      : await ensureDatabase(serverUrl, options.database ?? 'permafrost');

    return {
      clickhouse,
      postgresUrl,
      s3,
      s3RetryAttempts: env.PERMAFROST_S3_RETRY_ATTEMPTS,
      modes: {
        clickhouse: env.PERMAFROST_CLICKHOUSE_URL ? 'external' : 'embedded',
        postgres: env.DATABASE_URL ? 'external' : 'embedded',
        s3: env.PERMAFROST_S3_ENDPOINT ? 'external' : 'embedded',
      },
      dataDir,
      clickhouseIn,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startEmbeddedServices(env: StackEnv, dataDir: string) {
  const spec: ServicesSpec = { dataDir: join(dataDir, 'services'), fresh: false };
  if (!env.PERMAFROST_S3_ENDPOINT) {
    spec.s3 = { port: env.PERMAFROST_S3_PORT ?? (await freePort()), bucket: env.PERMAFROST_S3_BUCKET, accessKeyId: EMBEDDED_S3_KEY, secretAccessKey: EMBEDDED_S3_KEY, portSetting: 'PERMAFROST_S3_PORT' };
  }
  if (!env.DATABASE_URL) {
    spec.postgres = { port: env.PERMAFROST_POSTGRES_PORT ?? (await freePort()), ...EMBEDDED_PG, portSetting: 'PERMAFROST_POSTGRES_PORT' };
  }
  const running: RunningServices | undefined = spec.s3 || spec.postgres ? await startServices(spec) : undefined;
  return { running, s3Port: spec.s3?.port, postgresPort: spec.postgres?.port };
}

function required(env: StackEnv, key: 'PERMAFROST_S3_ACCESS_KEY_ID' | 'PERMAFROST_S3_SECRET_ACCESS_KEY'): string {
  const value = env[key];
  if (!value) throw new StackConfigError(key, `${key} is required when PERMAFROST_S3_ENDPOINT points at a real S3.`);
  return value;
}
