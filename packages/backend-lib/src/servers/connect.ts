import type { ClickHouseClient } from '@clickhouse/client';
import { ensureDatabase } from './postgres-admin';
import { assertColdStoragePolicy, assertPostgresReachable, assertS3Writable, clickHouseClient, connectExternalClickHouse } from './preflight';
import type { S3Location } from './s3-location';
import { StackConfigError, type StackEnv } from './settings';

export type ServerMode = 'embedded' | 'external';

/** ClickHouse, Postgres and S3 as a caller uses them, wherever they run. */
export interface Servers {
  clickhouse: ClickHouseClient;
  postgresUrl: string;
  s3: S3Location;
  /** Value of the s3_retry_attempts setting the engine runs with. */
  s3RetryAttempts: number;
  modes: { clickhouse: ServerMode; postgres: ServerMode; s3: ServerMode };
  stop(): Promise<void>;
}

export interface ConnectOptions {
  /** Write a probe object through ClickHouse's s3() (proves endpoint, bucket and keys; one S3 PUT). Default true. */
  probeS3?: boolean;
  /** Create this Postgres database if missing and point at it (default: DATABASE_URL as given). */
  database?: string;
  /** How to report the servers (`embedded` for a `stack up` instance reached over the network). Default `external`. */
  mode?: ServerMode;
  /**
   * Check each server at connect (default true). False only for servers this host started and watches
   * (a `stack up` instance whose processes are alive): the checks are three round trips of every command.
   */
  verify?: boolean;
}

const REQUIRED = ['PERMAFROST_CLICKHOUSE_URL', 'DATABASE_URL', 'PERMAFROST_S3_ENDPOINT'] as const;

/** Whether the environment names all three servers (then nothing embedded is needed), some, or none. */
export function configuredServers(env: StackEnv): 'all' | 'some' | 'none' {
  const set = REQUIRED.filter((key) => env[key] !== undefined).length;
  return set === REQUIRED.length ? 'all' : set === 0 ? 'none' : 'some';
}

/**
 * Connects to the three servers the environment names, checking each once so a wrong URL, key or
 * port fails within seconds naming its variable. Loads only the ClickHouse HTTP client and `pg`: a
 * process that talks to real servers never loads the embedded stack.
 */
export async function connectServers(env: StackEnv, options: ConnectOptions = {}): Promise<Servers> {
  const missing = REQUIRED.find((key) => env[key] === undefined);
  if (missing) {
    throw new StackConfigError(missing, `${missing} is not set: connecting to servers needs ${REQUIRED.join(', ')} (unset all three to use the embedded stack).`);
  }
  const s3: S3Location = {
    endpoint: env.PERMAFROST_S3_ENDPOINT!,
    bucket: env.PERMAFROST_S3_BUCKET,
    prefix: env.PERMAFROST_S3_PREFIX,
    accessKeyId: requiredKey(env, 'PERMAFROST_S3_ACCESS_KEY_ID'),
    secretAccessKey: requiredKey(env, 'PERMAFROST_S3_SECRET_ACCESS_KEY'),
  };
  const connection = {
    url: env.PERMAFROST_CLICKHOUSE_URL!,
    username: env.PERMAFROST_CLICKHOUSE_USER,
    password: env.PERMAFROST_CLICKHOUSE_PASSWORD,
    database: env.PERMAFROST_CLICKHOUSE_DATABASE,
  };
  const verify = options.verify !== false;
  const clickhouse = verify ? await connectExternalClickHouse(connection) : clickHouseClient(connection);
  try {
    // Independent checks against two servers: run them side by side (a command's start is mostly waiting).
    const [, , postgresUrl] = await Promise.all([
      verify ? assertColdStoragePolicy(clickhouse) : undefined,
      verify && options.probeS3 !== false ? assertS3Writable(clickhouse, s3) : undefined,
      (verify ? assertPostgresReachable(env.DATABASE_URL!) : Promise.resolve()).then(() => (options.database ? ensureDatabase(env.DATABASE_URL!, options.database) : env.DATABASE_URL!)),
    ]);
    const mode = options.mode ?? 'external';
    return {
      clickhouse,
      postgresUrl,
      s3,
      s3RetryAttempts: env.PERMAFROST_S3_RETRY_ATTEMPTS,
      modes: { clickhouse: mode, postgres: mode, s3: mode },
      stop: () => clickhouse.close(),
    };
  } catch (err) {
    await clickhouse.close();
    throw err;
  }
}

function requiredKey(env: StackEnv, key: 'PERMAFROST_S3_ACCESS_KEY_ID' | 'PERMAFROST_S3_SECRET_ACCESS_KEY'): string {
  const value = env[key];
  if (!value) throw new StackConfigError(key, `${key} is required when PERMAFROST_S3_ENDPOINT points at a real S3.`);
  return value;
}
