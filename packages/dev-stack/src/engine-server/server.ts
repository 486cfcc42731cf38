/**
 * ClickHouse's HTTP interface in front of the one chDB engine of this process, so other processes use
 * the stock `@clickhouse/client` (`createClient({ url })`) against a shared embedded engine. Transport
 * only: every statement, setting and bound parameter goes to the real engine (see engine.ts), and
 * failures come back in ClickHouse's own format (errors.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { S3Location } from '@permafrost/backend-lib/servers';
import { Engine, type EngineConnection, type QuerySummary } from './engine';
import { EngineError, exceptionText, httpStatusFor, streamExceptionBlock, toEngineException } from './errors';
import {
  contentTypeFor,
  credentialsOf,
  decodeRequest,
  firstKeyword,
  isStreamableStatement,
  outputFormatOf,
  statementText,
  type Credentials,
  type EngineRequest,
} from './http-protocol';

/** How long stop() lets running requests finish before it closes their connections. */
const STOP_GRACE_MS = 5_000;

/**
 * How long an idle keep-alive connection stays open. A client reuses an idle socket for up to its own
 * TTL (@clickhouse/client: 2.5 s), so the server must never close one sooner, or a request sent on it
 * meanwhile is reset (ECONNRESET). Node's default (5 s) keeps that margin only while this event loop
 * turns: a statement whose pipeline is built synchronously with remote I/O in it (StreamQuery; an
 * s3() listing took 4 s under load) holds the loop, the idle timer fires late, after a request has
 * arrived, and closes the socket under it. Measured in the fleet benchmark: 10 of 60 restores failed
 * once with `read ECONNRESET` (and were retried). ClickHouse itself keeps idle connections 10 s; what
 * matters is a margin no stalled loop eats.
 */
const KEEP_ALIVE_MS = 60_000;

/**
 * Longest request line and headers accepted. @clickhouse/client sends bound parameters in the URL, so
 * a statement over many ids (an `Array(String)` of 1,000 workspace ids is ~40 KB) needs more than
 * Node's 16 KiB default, which answers 431 with no body (the client saw an Error without a message).
 * ClickHouse's own limit (http_max_uri_size) is 1 MiB.
 */
const MAX_URI_BYTES = 1 << 20;

export interface EngineServerOptions {
  /** The engine's data directory. The storage config is the repo's one (clickhouse-config/…/storage.xml). */
  dataPath: string;
  s3: S3Location;
  s3RetryAttempts: number;
  /** 0 or absent: a free port. */
  port?: number;
  /** Loopback only unless told otherwise: the engine has no users or grants. */
  host?: string;
  /** When set, requests must carry this user and password; otherwise any credentials are accepted. */
  auth?: Credentials;
}

export interface RunningEngineServer {
  url: string;
  port: number;
  /** `SELECT version()` of the engine, also in every error body. */
  engineVersion: string;
  /** Stops accepting, lets running requests finish (up to a grace period), then closes the engine. */
  stop(): Promise<void>;
}

const DISPLAY_NAME = 'permafrost-engine-server';

export async function startEngineServer(options: EngineServerOptions): Promise<RunningEngineServer> {
  const engine = await Engine.open(options);
  const active = new Set<Promise<void>>();
  const server = createServer({ maxHeaderSize: MAX_URI_BYTES }, (req, res) => {
    const handled = handle(engine, options, req, res).catch(() => void res.destroy());
    active.add(handled);
    void handled.finally(() => active.delete(handled));
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 5_000; // must exceed keepAliveTimeout (Node's rule for keep-alive)
  try {
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    await once(server, 'listening');
  } catch (err) {
    await engine.close();
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    engineVersion: engine.version,
    stop: () => (stopped ??= (async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      // Running requests get a grace period; a client that abandoned a streamed result without closing
      // its keep-alive socket would otherwise hold the stop forever (the stream waits for 'drain').
      await Promise.race([Promise.allSettled([...active]), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
      server.closeAllConnections();
      while (active.size > 0) await Promise.allSettled([...active]);
      await closed;
      await engine.close();
    })()),
  };
}

async function handle(engine: Engine, options: EngineServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://engine-server');
  const queryId = url.searchParams.get('query_id') || randomUUID();
  const headers: Record<string, string> = {
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Server-Display-Name': DISPLAY_NAME,
    'X-ClickHouse-Timezone': engine.timezone,
  };
  if (url.pathname === '/ping' || url.pathname === '/replicas_status') return sendOk(res);
  if (url.pathname !== '/') {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(`There is no handle ${url.pathname}\n`);
    return;
  }
  let connection: EngineConnection | undefined;
  try {
    authenticate(options.auth, credentialsOf(req.headers, url));
    const body = await readBody(req);
    const request = decodeRequest({ method: req.method ?? 'GET', url, contentType: req.headers['content-type'], body });
    if (request.query === undefined && request.body.length === 0) {
      if (req.method === 'GET') return sendOk(res); // `GET /` is ClickHouse's liveness answer too
      throw new EngineError(62, 'SYNTAX_ERROR', 'Empty query');
    }
    if (request.sessionId !== undefined) {
      throw new EngineError(48, 'NOT_IMPLEMENTED', 'session_id is not supported by the engine server: each request gets a fresh engine session');
    }
    connection = await engine.connect({ settings: request.settings, database: request.database, readOnly: request.readOnly });
    const out = responseEncoding(request, req.headers['accept-encoding']);
    if (isRawInsert(request)) {
      const summary = await connection.insert(request.query!, request.body);
      return sendBuffered(res, out, headers, request.defaultFormat, Buffer.alloc(0), summary);
    }
    const sql = statementText(request);
    const format = outputFormatOf(sql, request.defaultFormat);
    if (!request.waitEndOfQuery && isStreamableStatement(sql)) {
      return await sendStreamed(res, out, headers, format, await connection.stream(sql, request.defaultFormat, request.params), engine.version);
    }
    const { bytes, summary } = await connection.run(sql, request.defaultFormat, request.params);
    return sendBuffered(res, out, headers, format, bytes, summary);
  } catch (err) {
    sendError(res, headers, err, engine.version);
  } finally {
    connection?.close();
  }
}

/**
 * `INSERT … FORMAT X` in the URL with the rows in the body (what `client.insert` sends): the body goes to
 * the engine as bytes. With bound parameters the engine's binding needs the statement as text instead.
 */
function isRawInsert(request: EngineRequest): boolean {
  return request.query !== undefined && request.body.length > 0 && Object.keys(request.params).length === 0
    && firstKeyword(request.query) === 'INSERT';
}

function authenticate(expected: Credentials | undefined, given: Credentials): void {
  if (!expected) return;
  if (given.user !== expected.user || given.password !== expected.password) {
    throw new EngineError(516, 'AUTHENTICATION_FAILED', `${given.user}: Authentication failed: password is incorrect, or there is no user with such name.`);
  }
}

/** The whole request body (an insert's rows are handed to the engine as one buffer), decompressed. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  let source: Readable = req;
  if (encoding !== undefined && encoding !== 'identity') {
    const decompressor = decompressorFor(encoding);
    if (!decompressor) throw new EngineError(36, 'BAD_ARGUMENTS', `Unknown Content-Encoding: ${encoding}`);
    source = req.pipe(decompressor);
    req.on('error', (err) => decompressor.destroy(err));
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of source) chunks.push(chunk as Buffer);
  } catch (err) {
    throw new EngineError(36, 'BAD_ARGUMENTS', `Cannot read the request body: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}

function decompressorFor(encoding: string) {
  switch (encoding) {
    case 'gzip': return zlib.createGunzip();
    case 'deflate': return zlib.createInflate();
    case 'br': return zlib.createBrotliDecompress();
    case 'zstd': return 'createZstdDecompress' in zlib ? (zlib as unknown as { createZstdDecompress(): zlib.Gzip }).createZstdDecompress() : undefined;
    default: return undefined;
  }
}

/** Response compression: only on `enable_http_compression=1`, in an encoding the client accepts. */
interface ResponseEncoding {
  name: string | undefined;
  create(): Writable & Readable;
}

function responseEncoding(request: EngineRequest, acceptEncoding: string | undefined): ResponseEncoding {
  const accepted = (acceptEncoding ?? '').split(',').map((e) => e.trim().split(';')[0]);
  const level = request.compressionLevel;
  if (request.compressResponse) {
    if (accepted.includes('gzip')) return { name: 'gzip', create: () => zlib.createGzip(level === undefined ? {} : { level }) };
    if (accepted.includes('deflate')) return { name: 'deflate', create: () => zlib.createDeflate(level === undefined ? {} : { level }) };
    if (accepted.includes('br')) return { name: 'br', create: () => zlib.createBrotliCompress() };
  }
  return { name: undefined, create: () => { throw new Error('no response compression'); } };
}

function summaryHeader(s: QuerySummary): string {
  return JSON.stringify({
    read_rows: String(s.readRows),
    read_bytes: String(s.readBytes),
    written_rows: String(s.writtenRows),
    written_bytes: String(s.writtenBytes),
    total_rows_to_read: '0',
    result_rows: String(s.resultRows),
    result_bytes: String(s.resultBytes),
    elapsed_ns: String(s.elapsedNs),
  });
}

function sendOk(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
}

function sendBuffered(res: ServerResponse, out: ResponseEncoding, headers: Record<string, string>, format: string, bytes: Buffer, summary: QuerySummary): void {
  const payload = out.name === 'gzip' ? zlib.gzipSync(bytes) : out.name === 'deflate' ? zlib.deflateSync(bytes) : out.name === 'br' ? zlib.brotliCompressSync(bytes) : bytes;
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeFor(format),
    'X-ClickHouse-Format': format,
    'X-ClickHouse-Summary': summaryHeader(summary),
    'Content-Length': String(payload.length),
    ...(out.name ? { 'Content-Encoding': out.name } : {}),
  });
  res.end(payload);
}

/**
 * Writes a SELECT's chunks as the client reads them (back-pressure: one engine chunk in memory at a time).
 * An error after the first chunk can no longer change the status: it is appended as ClickHouse's tagged
 * exception block, which the client turns into a ClickHouseError from `stream()`.
 */
async function sendStreamed(res: ServerResponse, out: ResponseEncoding, headers: Record<string, string>, format: string, result: Awaited<ReturnType<EngineConnection['stream']>>, version: string): Promise<void> {
  const tag = randomBytes(8).toString('hex');
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeFor(format),
    'X-ClickHouse-Format': format,
    // Known only at the end; ClickHouse also sends what it knows when the response starts.
    'X-ClickHouse-Summary': summaryHeader({ readRows: 0, readBytes: 0, writtenRows: 0, writtenBytes: 0, resultRows: 0, resultBytes: 0, elapsedNs: 0 }),
    'X-ClickHouse-Exception-Tag': tag,
    ...(out.name ? { 'Content-Encoding': out.name } : {}),
  });
  let sink: Writable = res;
  if (out.name) {
    const compressor = out.create();
    compressor.pipe(res);
    sink = compressor;
  }
  let clientGone = false;
  res.once('close', () => { clientGone = !res.writableFinished; });
  // Waits for 'drain' or for the client to go away; removes both listeners either way.
  const drainedOrGone = () => new Promise<void>((resolve) => {
    const done = () => {
      sink.off('drain', done);
      res.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    res.on('close', done);
  });
  const write = async (chunk: Buffer) => {
    if (!sink.write(chunk) && !clientGone) await drainedOrGone();
  };
  try {
    for (let chunk = result.first; chunk !== undefined && !clientGone; chunk = await result.next()) {
      await write(chunk);
    }
  } catch (err) {
    if (!clientGone) await write(streamExceptionBlock(toEngineException(err), version, tag));
  } finally {
    await result.cancel();
  }
  if (clientGone) return;
  sink.end();
  // 'finish', or 'close' when the client goes away after the last write (a result closed unread): waiting
  // for 'finish' alone hung that request's handler, and stop() behind it, for good.
  await finished(res).catch(() => undefined);
}

function sendError(res: ServerResponse, headers: Record<string, string>, err: unknown, version: string): void {
  const e = toEngineException(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(httpStatusFor(e.code), {
    ...headers,
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(e.code),
  });
  res.end(exceptionText(e, version));
}
