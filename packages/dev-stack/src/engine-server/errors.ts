/**
 * ClickHouse's error wire format, so that `@clickhouse/client` turns our failures into the same
 * `ClickHouseError { code, type }` a real server produces: an HTTP status from the exception code, the
 * `X-ClickHouse-Exception-Code` header, and a body `Code: N. DB::Exception: … (TYPE) (version …)`.
 */

/** An exception as ClickHouse describes it: numeric code, upper-case name, message without either. */
export interface EngineException {
  code: number;
  type: string;
  message: string;
}

export class EngineError extends Error implements EngineException {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** chDB reports engine failures with the server's own text, e.g. `Code: 60. DB::Exception: … (UNKNOWN_TABLE)`. */
const EXCEPTION_TEXT = /Code: (\d+)\. DB::Exception: (.*) \(([A-Z0-9_]+)\)\s*$/s;

/** Anything thrown while serving a request, as a ClickHouse exception. */
export function toEngineException(err: unknown): EngineException {
  if (err instanceof EngineError) return err;
  // Not `instanceof Error`: the binding's errors come from another realm under jest.
  const text = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
  const match = EXCEPTION_TEXT.exec(text.trim());
  if (match) return { code: Number(match[1]), type: match[3], message: match[2] };
  // Not an engine exception (a binding or Node error): ClickHouse's own code for a foreign exception.
  return { code: 1001, type: 'STD_EXCEPTION', message: text };
}

/** The response body ClickHouse writes for a failed query (parsed by the client's `parseError`). */
export function exceptionText(e: EngineException, version: string): string {
  return `Code: ${e.code}. DB::Exception: ${e.message} (${e.type}) (version ${version})\n`;
}

/**
 * The exception block ClickHouse (25.11+) appends when a query fails after its response started: the
 * client scans each chunk for a `\r\n` and, with the tag from `X-ClickHouse-Exception-Tag`, reads the
 * message length and message from the end of that chunk. Write it as ONE chunk.
 */
export function streamExceptionBlock(e: EngineException, version: string, tag: string): Buffer {
  const message = exceptionText(e, version).trimEnd();
  const length = Buffer.byteLength(message) + 1; // the length counts the newline after the message
  return Buffer.from(`\r\n__exception__\r\n${tag}\n${message}\n${length} ${tag}\r\n__exception__\r\n`);
}

/** src/Server/HTTP/exceptionCodeToHTTPStatus.cpp, for the codes a client of ours can meet. */
const HTTP_STATUS_BY_CODE: ReadonlyMap<number, number> = new Map([
  [194, 401], // REQUIRED_PASSWORD
  ...[192, 193, 497, 512, 516].map((c): [number, number] => [c, 403]), // UNKNOWN_USER … AUTHENTICATION_FAILED
  // BAD_ARGUMENTS, CANNOT_PARSE_*, DUPLICATE_COLUMN, ILLEGAL_COLUMN, THERE_IS_NO_COLUMN, *_AST, SYNTAX_ERROR,
  // INCORRECT_DATA, TYPE_MISMATCH, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE, CANNOT_COMPILE_REGEXP
  ...[36, 6, 25, 26, 38, 41, 72, 441, 676, 677, 27, 376, 15, 44, 8, 106, 105, 167, 168, 223, 62, 117, 53, 321, 427].map(
    (c): [number, number] => [c, 400],
  ),
  // UNKNOWN_TABLE, _FUNCTION, _IDENTIFIER, _TYPE, _STORAGE, _DATABASE, _SETTING, _DIRECTION_OF_SORTING,
  // _AGGREGATE_FUNCTION, _FORMAT, _DATABASE_ENGINE, _TYPE_OF_QUERY, _ROLE
  ...[60, 46, 47, 50, 56, 81, 115, 57, 63, 73, 336, 108, 511].map((c): [number, number] => [c, 404]),
  [48, 501], // NOT_IMPLEMENTED
  [159, 408], // TIMEOUT_EXCEEDED
  ...[209, 76, 439].map((c): [number, number] => [c, 503]), // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
]);

export function httpStatusFor(code: number): number {
  return HTTP_STATUS_BY_CODE.get(code) ?? 500;
}
