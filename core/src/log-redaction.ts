import type { LoggerOptions } from 'pino';

/**
 * Field names whose whole value is a secret, replaced by `[redacted]`. Deliberately NOT here:
 * `accessKeyId` / `PERMAFROST_S3_ACCESS_KEY_ID`. An access key id is an identifier, not a credential (S3
 * access logs and IAM consoles show it in the clear, and it is useless without its secret); operators need
 * it to tell which credential a process used.
 */
export const SECRET_FIELDS: readonly string[] = [
  'password', 'passwd', 'secret', 'secretAccessKey', 'secret_access_key', 'PERMAFROST_S3_SECRET_ACCESS_KEY',
  'PERMAFROST_CLICKHOUSE_PASSWORD', 'authorization', 'Authorization', 'cookie', 'token', 'accessToken', 'apiKey',
];

/** Field names holding connection strings: kept, with the password inside them masked (`postgres://u:***@h/db`). */
export const URL_FIELDS: readonly string[] = [
  'url', 'postgresUrl', 'DATABASE_URL', 'clickhouseUrl', 'PERMAFROST_CLICKHOUSE_URL', 'connectionString',
];

/**
 * How deep a secret field is found: pino's redaction compiles exact paths, so `password`, `*.password`, …
 * down to three objects deep (`{ event: { stack: { postgresUrl } } }` is covered; deeper is not).
 */
const DEPTH = 4;

const MASK = '[redacted]';

/** `scheme://user:pass@` → `scheme://user:***@`, and `password=`/`pwd=` query parameters. */
export function maskConnectionString(value: string): string {
  return value
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/?#\s]*@/gi, '$1:***@')
    .replace(/([?&](?:password|pwd|secret)=)[^&#\s]*/gi, '$1***');
}

function paths(fields: readonly string[]): string[] {
  return fields.flatMap((field) => Array.from({ length: DEPTH }, (_, depth) => [...Array<string>(depth).fill('*'), field].join('.')));
}

const urlFields = new Set(URL_FIELDS);

/** pino's `redact` option: secrets masked whole, connection strings masked inside, in every logged object. */
export const redaction: NonNullable<LoggerOptions['redact']> = {
  paths: [...paths(SECRET_FIELDS), ...paths(URL_FIELDS)],
  censor: (value: unknown, path: string[]) => {
    if (!urlFields.has(path[path.length - 1]!)) return MASK;
    if (typeof value === 'string') return maskConnectionString(value);
    return value instanceof URL ? maskConnectionString(value.href) : MASK;
  },
};
