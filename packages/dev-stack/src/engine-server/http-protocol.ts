/**
 * The request side of ClickHouse's HTTP interface, as far as `@clickhouse/client` uses it: which URL
 * parameters are transport controls, which are bound query parameters (`param_<name>`), which are
 * per-query settings; where the SQL is (the `query` parameter, the body, or both); multipart bodies
 * (the client's choice for bound parameters over ~4 KiB); credentials; output format names.
 * Pure functions: no engine, no sockets.
 */
import { EngineError } from './errors';

export interface Credentials {
  user: string;
  password: string;
}

/** One HTTP request, decoded. Values stay in ClickHouse's text form: the engine binds/parses them. */
export interface EngineRequest {
  /** The `query` URL parameter (or multipart part); with a body too, the body is this statement's data. */
  query: string | undefined;
  /** Request body, decompressed; empty for GET. */
  body: Buffer;
  /** `param_<name>` values without the prefix, exactly as sent (ClickHouse's escaped text form). */
  params: Record<string, string>;
  /** Every other parameter: a setting for this query only. */
  settings: Record<string, string>;
  database: string | undefined;
  queryId: string | undefined;
  /** `default_format`: the output format when the SQL has no FORMAT clause (ClickHouse: TabSeparated). */
  defaultFormat: string;
  /** `wait_end_of_query=1`: answer only after the whole result is known (no streaming). */
  waitEndOfQuery: boolean;
  /** `enable_http_compression=1`: compress the response in an encoding the client accepts. */
  compressResponse: boolean;
  compressionLevel: number | undefined;
  sessionId: string | undefined;
  /** GET requests are read-only in ClickHouse (`readonly=2`: settings may still change). */
  readOnly: boolean;
}

/** URL parameters that steer the HTTP layer itself; none of them is passed to the engine as a setting. */
const TRANSPORT_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'compress',
  'decompress',
  'user',
  'password',
  'quota_key',
  'role',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'client_protocol_version',
  'enable_http_compression',
  'http_zlib_compression_level',
  // Progress headers: accepted and ignored (chDB reports no progress while a query runs).
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_response_buffer_size',
  'http_native_compression_disable_checksumming_on_decompress',
]);

const PARAM_PREFIX = 'param_';

export interface ParsedParameters {
  fields: Map<string, string>;
  params: Record<string, string>;
  settings: Record<string, string>;
}

/** Sorts URL (or multipart) fields into transport fields, bound parameters and settings. */
export function classifyParameters(entries: Iterable<[string, string]>): ParsedParameters {
  const fields = new Map<string, string>();
  const params: Record<string, string> = {};
  const settings: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.startsWith(PARAM_PREFIX) && key.length > PARAM_PREFIX.length) params[key.slice(PARAM_PREFIX.length)] = value;
    else if (TRANSPORT_PARAMS.has(key)) fields.set(key, value);
    else settings[key] = value;
  }
  return { fields, params, settings };
}

/**
 * Builds the request from its URL, method, content type and (decompressed) body. A multipart body
 * carries `query` and `param_*` parts (what the client sends when bound values are large).
 */
export function decodeRequest(input: { method: string; url: URL; contentType: string | undefined; body: Buffer }): EngineRequest {
  const entries: Array<[string, string]> = [...input.url.searchParams.entries()];
  let body = input.body;
  const boundary = multipartBoundary(input.contentType);
  if (boundary !== undefined) {
    for (const [name, value] of parseMultipart(body, boundary)) {
      if (name !== 'query' && !name.startsWith(PARAM_PREFIX)) {
        throw new EngineError(48, 'NOT_IMPLEMENTED', `Multipart part '${name}' (external tables) is not supported by the engine server`);
      }
      entries.push([name, value]);
    }
    body = Buffer.alloc(0);
  }
  const { fields, params, settings } = classifyParameters(entries);
  const level = fields.get('http_zlib_compression_level');
  return {
    query: fields.get('query'),
    body,
    params,
    settings,
    database: emptyToUndefined(fields.get('database')),
    queryId: emptyToUndefined(fields.get('query_id')),
    defaultFormat: emptyToUndefined(fields.get('default_format')) ?? 'TabSeparated',
    waitEndOfQuery: isTrue(fields.get('wait_end_of_query')),
    compressResponse: isTrue(fields.get('enable_http_compression')),
    compressionLevel: level === undefined ? undefined : Number(level),
    sessionId: emptyToUndefined(fields.get('session_id')),
    readOnly: input.method === 'GET',
  };
}

/** The statement to run: the `query` parameter, then the body on the next line (ClickHouse's rule). */
export function statementText(request: Pick<EngineRequest, 'query' | 'body'>): string {
  const body = request.body.length > 0 ? request.body.toString('utf8') : '';
  if (request.query === undefined) return body;
  return body.length > 0 ? `${request.query}\n${body}` : request.query;
}

/** Leading SQL comments, whitespace and parentheses, so the first keyword can be read. */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/;

export function firstKeyword(sql: string): string {
  const rest = sql.replace(LEADING_NOISE, '');
  return /^[A-Za-z]+/.exec(rest)?.[0].toUpperCase() ?? '';
}

/** Statements whose result the engine can hand over chunk by chunk. */
export function isStreamableStatement(sql: string): boolean {
  const keyword = firstKeyword(sql);
  return keyword === 'SELECT' || keyword === 'WITH';
}

/** A trailing `FORMAT <name>` (what the client appends to every `query()`), else the default format. */
export function outputFormatOf(sql: string, defaultFormat: string): string {
  const match = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(sql);
  return match ? match[1] : defaultFormat;
}

const CONTENT_TYPES: Record<string, string> = {
  JSON: 'application/json',
  JSONCompact: 'application/json',
  JSONStrings: 'application/json',
  JSONEachRow: 'application/x-ndjson',
  JSONStringsEachRow: 'application/x-ndjson',
  JSONCompactEachRow: 'application/x-ndjson',
  JSONCompactEachRowWithNames: 'application/x-ndjson',
  JSONCompactEachRowWithNamesAndTypes: 'application/x-ndjson',
  TabSeparated: 'text/tab-separated-values',
  TSV: 'text/tab-separated-values',
  TabSeparatedWithNames: 'text/tab-separated-values',
  TSVWithNames: 'text/tab-separated-values',
  CSV: 'text/csv',
  CSVWithNames: 'text/csv',
  Parquet: 'application/octet-stream',
  RowBinary: 'application/octet-stream',
  Native: 'application/octet-stream',
};

export function contentTypeFor(format: string): string {
  const type = CONTENT_TYPES[format] ?? 'text/plain';
  return type === 'application/octet-stream' ? type : `${type}; charset=UTF-8`;
}

/**
 * Credentials in any of the places ClickHouse reads them: X-ClickHouse-User/-Key headers, Basic
 * authorization, or `user`/`password` URL parameters. Missing means ClickHouse's `default` user.
 */
export function credentialsOf(headers: Record<string, string | string[] | undefined>, url: URL): Credentials {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const user = header('x-clickhouse-user');
  if (user !== undefined) return { user, password: header('x-clickhouse-key') ?? '' };
  const authorization = header('authorization');
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { user: url.searchParams.get('user') ?? 'default', password: url.searchParams.get('password') ?? '' };
}

function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) return undefined;
  const match = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!match) throw new EngineError(36, 'BAD_ARGUMENTS', 'multipart/form-data request without a boundary');
  return match[1];
}

/** Minimal multipart/form-data reader: named text parts only (what the client builds). */
export function parseMultipart(body: Buffer, boundary: string): Array<[string, string]> {
  const parts: Array<[string, string]> = [];
  const delimiter = `--${boundary}`;
  for (const chunk of body.toString('utf8').split(delimiter).slice(1)) {
    if (chunk.startsWith('--')) break; // closing delimiter
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new EngineError(36, 'BAD_ARGUMENTS', 'malformed multipart part (no header end)');
    const name = /name="([^"]*)"/i.exec(chunk.slice(0, headerEnd))?.[1];
    if (name === undefined) throw new EngineError(36, 'BAD_ARGUMENTS', 'multipart part without a name');
    // The part's value runs up to the CRLF that precedes the next delimiter.
    parts.push([name, chunk.slice(headerEnd + 4).replace(/\r\n$/, '')]);
  }
  return parts;
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
