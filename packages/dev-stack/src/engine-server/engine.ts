/**
 * The one chDB engine of this process, and a fresh engine connection per HTTP request.
 *
 * Why a connection per request: chDB keeps settings, the current database and `SET`s per connection, so a
 * shared connection would leak one request's settings into the next (what `chdb/connection` does with
 * its `SET …;` prefix). A connection costs ~0.3 ms to open on an already open engine, and
 * its own settings are given at creation as `--name=value` arguments, so setting values never enter
 * SQL text. Queries on different connections run in parallel on libuv threads (one connection would
 * serialize them); the event loop is never blocked.
 */
import { dirname, join } from 'node:path';
import { Session } from 'chdb';
import { openEmbeddedClickHouse, type EmbeddedClickHouse } from '../clickhouse';
import type { S3Location } from '@permafrost/backend-lib/servers';
import { EngineError } from './errors';
import { traceStatement, tracing, type LockTimes } from './trace';

export interface EngineOptions {
  /** The engine's data directory (one per process; the engine binds it). */
  dataPath: string;
  /** Where the `cold_storage` policy's S3 disk lives (exported to the engine's environment). */
  s3: S3Location;
  /** See clickhouse.ts: the only setting that bounds S3 retries under chDB. */
  s3RetryAttempts: number;
}

/** Counters for `X-ClickHouse-Summary`. chDB reports result rows/bytes, not rows scanned. */
export interface QuerySummary {
  readRows: number;
  readBytes: number;
  writtenRows: number;
  writtenBytes: number;
  resultRows: number;
  resultBytes: number;
  elapsedNs: number;
}

export interface ConnectOptions {
  /** Settings for this request's queries only (already stripped of HTTP transport parameters). */
  settings: Record<string, string>;
  database?: string;
  /** ClickHouse answers GET requests read-only (`readonly=2`). */
  readOnly?: boolean;
}

/** A streamed result whose first chunk is already known (so a failing query still gets an error status). */
export interface ResultStream {
  first: Buffer | undefined;
  /** The next chunk, or undefined at the end. */
  next(): Promise<Buffer | undefined>;
  /** Stops the query (waits for a fetch in flight: destroying a handle under it aborts the engine). */
  cancel(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// chDB's native binding. Its public `queryBindAsync` takes JS values and escapes strings itself; the
// HTTP interface already carries every `param_*` in ClickHouse's text form (what the engine parses),
// so we hand them unchanged to the same native entry points that `Session` uses.

interface NativeResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}
interface NativeInsertResult {
  elapsed: number;
  rowsWritten: number;
  bytesWritten: number;
}
interface NativeChunk {
  bytes?: Uint8Array;
  numRows?: number;
  done: boolean;
}
type NativeConnection = unknown;
type NativeStream = unknown;
interface ChdbNative {
  QueryAsyncConnection(conn: NativeConnection, sql: string, format: string, params?: Record<string, string>): Promise<NativeResult>;
  InsertRawAsyncConnection(conn: NativeConnection, prefix: string, data: Buffer, countLines: boolean): Promise<NativeInsertResult>;
  StreamQuery(conn: NativeConnection, sql: string, format: string, params?: Record<string, string>): NativeStream;
  StreamFetch(stream: NativeStream): Promise<NativeChunk>;
  StreamCancel(stream: NativeStream): void;
}

/** chDB's own loader (not in its package exports, so by file), i.e. the very addon `Session` uses. */
function loadNative(): ChdbNative {
  const loader = join(dirname(require.resolve('chdb')), 'dist', 'loader.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(loader) as { loadNative(): ChdbNative }).loadNative();
}

/**
 * chDB (3.4) sets and clears bound parameters around each call in state that is not isolated between
 * connections: two parameterized queries running at once clobber each other or abort the engine. chDB
 * serializes its own parameterized calls on one chain; ours go through this one (the server is the only
 * user of the engine in its process). Queries without parameters run in parallel.
 */
let parameterizedTail: Promise<unknown> = Promise.resolve();
function oneParameterizedAtATime<T>(run: () => Promise<T>, times?: LockTimes): Promise<T> {
  const result = parameterizedTail.then(async () => {
    if (times) times.acquired = performance.now();
    try {
      return await run();
    } finally {
      if (times) times.released = performance.now();
    }
  });
  parameterizedTail = result.catch(() => undefined);
  return result;
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function toBuffer(bytes: Uint8Array | undefined): Buffer {
  if (!bytes) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readSummary(r: NativeResult): QuerySummary {
  return {
    readRows: r.rowsRead,
    readBytes: r.bytesRead,
    writtenRows: 0,
    writtenBytes: 0,
    resultRows: r.rowsRead,
    resultBytes: r.bytesRead,
    elapsedNs: Math.round(r.elapsed * 1e9),
  };
}

/** Quotes an identifier (a database name), never a value. */
function quoteIdentifier(name: string): string {
  return '`' + name.replace(/[\\`]/g, (c) => `\\${c}`) + '`';
}

// ---------------------------------------------------------------------------------------------------

export class Engine {
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(
    private readonly native: ChdbNative,
    private readonly embedded: EmbeddedClickHouse,
    private readonly options: EngineOptions,
    private readonly settingNames: ReadonlySet<string>,
    readonly version: string,
    readonly timezone: string,
  ) {}

  /** Opens the engine the way the rest of the stack does (env for storage.xml, config, retry bound). */
  static async open(options: EngineOptions): Promise<Engine> {
    const embedded = await openEmbeddedClickHouse({ path: options.dataPath, s3: options.s3, s3RetryAttempts: options.s3RetryAttempts });
    try {
      const info = await embedded.client.query({
        query: 'SELECT version() AS version, timezone() AS timezone, (SELECT groupArray(name) FROM system.settings) AS names',
        format: 'JSONEachRow',
      });
      const [row] = await info.json<{ version: string; timezone: string; names: string[] }>();
      return new Engine(loadNative(), embedded, options, new Set(row.names), row.version, row.timezone);
    } catch (err) {
      await embedded.close();
      throw err;
    }
  }

  /** A fresh connection carrying this request's settings. Close it when the request is done. */
  async connect(opts: ConnectOptions): Promise<EngineConnection> {
    if (this.closed) throw new EngineError(1001, 'STD_EXCEPTION', 'the engine server is shutting down');
    const settings = { ...opts.settings };
    if (opts.readOnly && settings.readonly === undefined) settings.readonly = '2';
    for (const name of Object.keys(settings)) {
      if (!SETTING_NAME.test(name) || !this.settingNames.has(name)) {
        throw new EngineError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
      }
    }
    const args = [
      // Per connection, like any setting: a connection opened without it retries S3 500 times.
      `--s3_retry_attempts=${this.options.s3RetryAttempts}`,
      ...Object.entries(settings).map(([name, value]) => `--${name}=${value}`),
    ];
    let session: Session;
    try {
      session = new Session(this.options.dataPath, { connectionArgs: args });
    } catch (err) {
      // The engine rejects a malformed value only as "Failed to create connection".
      const names = Object.keys(opts.settings);
      throw new EngineError(36, 'BAD_ARGUMENTS', names.length > 0
        ? `Cannot apply the settings ${names.join(', ')}: ${(err as Error).message}`
        : (err as Error).message);
    }
    const connection = new EngineConnection(this.native, session, (p) => this.track(p));
    if (opts.database !== undefined && opts.database !== 'default') {
      try {
        await connection.run(`USE ${quoteIdentifier(opts.database)}`, 'TabSeparated', {});
      } catch (err) {
        connection.close();
        throw err;
      }
    }
    return connection;
  }

  /** Waits for running queries (closing under one aborts the engine), then releases the engine. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.embedded.close();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }
}

export class EngineConnection {
  private closed = false;

  constructor(
    private readonly native: ChdbNative,
    private readonly session: Session,
    private readonly track: <T>(p: Promise<T>) => Promise<T>,
  ) {}

  /** Runs one statement (or several, `;`-separated) to completion; the result is buffered in memory. */
  async run(sql: string, format: string, params: Record<string, string>): Promise<{ bytes: Buffer; summary: QuerySummary }> {
    const conn = this.session.connection;
    const bound = Object.keys(params).length > 0;
    const lock: LockTimes = { requested: performance.now() };
    const call = bound
      ? oneParameterizedAtATime(() => this.native.QueryAsyncConnection(conn, sql, format, params), lock)
      : this.native.QueryAsyncConnection(conn, sql, format);
    const result = await this.track(call);
    if (tracing()) traceStatement({ kind: 'run', bound, lock, done: performance.now(), sql });
    return { bytes: toBuffer(result.bytes), summary: readSummary(result) };
  }

  /** `INSERT … FORMAT X` with its data as bytes: handed to the engine's parser without copying. */
  async insert(statement: string, data: Buffer): Promise<QuerySummary> {
    const r = await this.track(this.native.InsertRawAsyncConnection(this.session.connection, statement, data, false));
    return {
      readRows: r.rowsWritten,
      readBytes: r.bytesWritten,
      writtenRows: r.rowsWritten,
      writtenBytes: r.bytesWritten,
      resultRows: 0,
      resultBytes: 0,
      elapsedNs: Math.round(r.elapsed * 1e9),
    };
  }

  /**
   * Starts a SELECT and fetches its first chunk (~65k rows). Later chunks are fetched as the HTTP
   * response drains, so memory holds about one chunk, not the whole result.
   */
  async stream(sql: string, format: string, params: Record<string, string>): Promise<ResultStream> {
    const conn = this.session.connection;
    const native = this.native;
    // StreamQuery returns once the pipeline is built; binding happens in it, hence inside the chain. It
    // is synchronous: a build that does remote I/O (an s3() glob lists its bucket then) blocks this
    // event loop meanwhile (measured: 40 listings of an S3 emulator under load, 4 s).
    const bound = Object.keys(params).length > 0;
    const lock: LockTimes = { requested: performance.now() };
    const handle = bound
      ? await oneParameterizedAtATime(async () => native.StreamQuery(conn, sql, format, params), lock)
      : native.StreamQuery(conn, sql, format);
    let done = false;
    let released = false;
    let inflight: Promise<unknown> | undefined;
    // StreamCancel frees the handle; exactly once, and never while a fetch runs on it.
    const release = () => {
      if (released) return;
      released = true;
      native.StreamCancel(handle);
    };
    const fetch = async (): Promise<Buffer | undefined> => {
      if (done) return undefined;
      const p = this.track(native.StreamFetch(handle));
      inflight = p;
      try {
        const chunk = await p;
        if (chunk.done) {
          done = true;
          release();
          return undefined;
        }
        return toBuffer(chunk.bytes);
      } catch (err) {
        done = true;
        release();
        throw err;
      } finally {
        inflight = undefined;
      }
    };
    const first = await fetch();
    if (tracing()) traceStatement({ kind: 'stream', bound, lock, done: performance.now(), sql });
    return {
      first,
      next: fetch,
      cancel: async () => {
        done = true;
        if (inflight) await inflight.catch(() => undefined);
        release();
      },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
  }
}
