import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { Session } from 'chdb';
import { createChdbConnection } from 'chdb/connection';
import { storageConfigPath } from './paths';
import { diskEndpoint, type S3Location } from '@permafrost/backend-lib/servers';
import { StackConfigError } from '@permafrost/backend-lib/servers';
import { tcpReachable } from './tcp-probe';

export interface EmbeddedClickHouse {
  client: ClickHouseClient;
  path: string;
  close(): Promise<void>;
}

/** The engine binds one data directory per process; remember which one this process holds. */
let openEngine: { path: string; session: Session } | undefined;

/**
 * Opens chDB at `path` with our storage config (S3 disk + `cold_storage` policy) and returns a real
 * `@clickhouse/client` on the same engine. The Session must exist first: it is what loads the config.
 */
export async function openEmbeddedClickHouse(opts: {
  path: string;
  s3: S3Location;
  s3RetryAttempts: number;
}): Promise<EmbeddedClickHouse> {
  if (openEngine && openEngine.path !== opts.path) {
    throw new Error(
      `chDB already holds ${openEngine.path} in this process; one engine data directory per process ` +
        `(close it before opening ${opts.path}, or use another process)`,
    );
  }
  mkdirSync(opts.path, { recursive: true });
  // storage.xml reads these with from_env, the same file a clickhouse-server mounts.
  process.env.PERMAFROST_S3_DISK_ENDPOINT = diskEndpoint(opts.s3);
  process.env.PERMAFROST_S3_ACCESS_KEY_ID = opts.s3.accessKeyId;
  process.env.PERMAFROST_S3_SECRET_ACCESS_KEY = opts.s3.secretAccessKey;
  let session: Session;
  try {
    session = new Session(opts.path, {
      connectionArgs: [
        `--config-file=${storageConfigPath}`,
        // The only place this setting takes effect under chDB (query SETTINGS and the disk's
        // <retry_attempts> do not): without it an S3 outage hangs an insert for tens of minutes.
        `--s3_retry_attempts=${opts.s3RetryAttempts}`,
      ],
    });
  } catch (err) {
    throw await explainOpenFailure(err, opts.s3);
  }
  openEngine = { path: opts.path, session };
  const client = createClient({ connection: chdbConnection(opts.path) });
  let closed = false;
  return {
    client,
    path: opts.path,
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
      session.close();
      openEngine = undefined;
    },
  };
}

/**
 * A second client on the engine at `path` whose statements run in `database` (it must exist). chDB keeps
 * the current database per connection, and this client has a connection of its own, so its USE changes
 * no other client's (measured: the engine's first client still answers `default`).
 */
export async function openDatabaseClient(path: string, database: string): Promise<ClickHouseClient> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`database must be a plain identifier, got ${JSON.stringify(database)}`);
  if (openEngine?.path !== path) throw new Error(`no embedded engine is open at ${path} in this process`);
  const client = createClient({ connection: chdbConnection(path) });
  try {
    await client.command({ query: `USE ${database}` });
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}

/**
 * chDB prints why it could not open to stderr only. The usual cause once cold tables hold data: the
 * engine loads every table at start, and parts on the S3 disk need S3 (measured: with S3 down the open
 * fails after ~1 s with ASYNC_LOAD_WAIT_FAILED … Connection refused). Say so, typed, naming the setting.
 */
async function explainOpenFailure(err: unknown, s3: S3Location): Promise<Error> {
  if (!(await tcpReachable(s3.endpoint))) {
    return new StackConfigError('PERMAFROST_S3_ENDPOINT',
      `The embedded ClickHouse could not start: it loads the cold tables at start and S3 at ${s3.endpoint} does not answer. ` +
      `Start S3 (permafrost stack up, or your S3 server) and run the command again; no data was changed.`);
  }
  return new StackConfigError('PERMAFROST_DATA_DIR',
    `The embedded ClickHouse could not open its data directory (${(err as Error).message}); the engine's reason is on stderr. ` +
    `Another process may hold this instance: chDB binds one data directory per process.`);
}

/**
 * chDB's connection implements the contract of @clickhouse/client-common 1.23.0, while @clickhouse/client
 * 1.23.1 ships its own inlined copy of those types that differs only in a settings type; at run time
 * they are the same interface (exercised by every integration test).
 */
function chdbConnection(path: string): NonNullable<ClickHouseClientConfigOptions['connection']> {
  return createChdbConnection({ path }) as unknown as NonNullable<ClickHouseClientConfigOptions['connection']>;
}
