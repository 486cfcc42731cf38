import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Client } from 'pg';
import { s3Url, type S3Location } from './s3-location';
import { redactUrl as redact } from './redact';
import { StackConfigError } from './settings';

/**
 * Checks run once at start against each configured server, so a wrong URL, key or port surfaces as
 * one sentence naming the variable to fix, within seconds, instead of a driver stack trace later.
 */

export interface ClickHouseConnection {
  url: string;
  username: string;
  password: string;
  database: string;
}

/** A ClickHouse HTTP client for a server (no request made yet). */
export function clickHouseClient(opts: ClickHouseConnection): ClickHouseClient {
  return createClient({
    url: opts.url,
    username: opts.username,
    password: opts.password,
    database: opts.database,
    // Archive and restore statements run for minutes on big workspaces; progress headers keep the
    // HTTP connection alive through proxies and load balancers meanwhile.
    request_timeout: 600_000,
    clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '60000' },
    log: { level: ClickHouseLogLevel.OFF },
  });
}

export async function connectExternalClickHouse(opts: ClickHouseConnection & { timeoutMs?: number }): Promise<ClickHouseClient> {
  const client = clickHouseClient(opts);
  const ping = await withTimeout(client.ping(), opts.timeoutMs ?? 3000);
  if (!ping || !ping.success) {
    await client.close();
    const reason = ping ? String((ping as { error?: Error }).error?.message ?? 'no answer') : 'timed out';
    throw new StackConfigError('PERMAFROST_CLICKHOUSE_URL', `Cannot reach ClickHouse at PERMAFROST_CLICKHOUSE_URL=${redact(opts.url)}: ${reason}. Start the server (docker compose up -d) or unset the variable to use the embedded engine.`);
  }
  return client;
}

/** The `cold_storage` policy comes from clickhouse-config/; a server without it was started without the mount. */
export async function assertColdStoragePolicy(client: ClickHouseClient): Promise<void> {
  const rows = await (await client.query({
    query: `SELECT count() AS n FROM system.storage_policies WHERE policy_name = {policy:String}`,
    query_params: { policy: 'cold_storage' },
    format: 'JSONEachRow',
  })).json<{ n: string | number }>();
  if (Number(rows[0]?.n ?? 0) === 0) {
    throw new StackConfigError('PERMAFROST_CLICKHOUSE_URL', `ClickHouse has no 'cold_storage' storage policy: mount clickhouse-config/config.d/storage.xml into /etc/clickhouse-server/config.d/ and set PERMAFROST_S3_DISK_ENDPOINT and the S3 keys in the server's environment.`);
  }
}

/** Writes a one-row object through ClickHouse's s3() function: proves endpoint, bucket and keys together. */
export async function assertS3Writable(client: ClickHouseClient, s3: S3Location): Promise<void> {
  try {
    await client.command({
      // The setting rides in the statement: chDB turns clickhouse_settings into session-wide SETs.
      query: `INSERT INTO FUNCTION s3({url:String}, {key:String}, {secret:String}, 'CSV', 'ok UInt8') SELECT 1 SETTINGS s3_truncate_on_insert = 1`,
      query_params: { url: s3Url(s3, '_preflight', 'probe.csv'), key: s3.accessKeyId, secret: s3.secretAccessKey },
    });
  } catch (err) {
    const message = String((err as Error).message);
    const setting = /ACCESS_DENIED|AccessDenied|InvalidAccessKeyId|Access Key Id|SignatureDoesNotMatch|signature|\b403\b/i.test(message)
      ? 'PERMAFROST_S3_ACCESS_KEY_ID'
      : /NoSuchBucket|bucket/i.test(message) && !/Connection|connect|Timeout/i.test(message)
        ? 'PERMAFROST_S3_BUCKET'
        : 'PERMAFROST_S3_ENDPOINT';
    throw new StackConfigError(setting, `S3 check failed for ${s3Url(s3)} (${setting} looks wrong): ${firstLine(message)}`);
  }
}

export async function assertPostgresReachable(url: string, setting = 'DATABASE_URL', timeoutMs = 3000): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new StackConfigError(setting, `Cannot connect to Postgres at ${setting}=${redact(url)}: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 300);
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
