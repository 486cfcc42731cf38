/**
 * The one JSON envelope every command prints on stdout with `--json`, success and failure alike (usage
 * errors included), documented in docs/cli-json.md and described by packages/cli/schemas/*.schema.json:
 *
 *   {"schemaVersion":1,"command":"status","ok":true,"data":{…}}
 *   {"schemaVersion":1,"command":"pause","ok":false,"error":{"code":"NOT_FOUND","message":"…","details":{…}}}
 *
 * `ok` is true exactly when the exit code is 0. Durations are whole milliseconds named `…Ms`; lists sit
 * under a named key of `data`. Bump SCHEMA_VERSION on any change a consumer could trip on.
 */
export const SCHEMA_VERSION = 1;

export interface ErrorBody {
  /** Stable: match on it, never on the message. */
  code: string;
  /** What went wrong and what to do next. */
  message: string;
  /** What the error is about (workspaceId, plugin, hook, setting, …); `{}` when nothing applies. */
  details: Record<string, unknown>;
}

export interface SuccessEnvelope<T = unknown> {
  schemaVersion: typeof SCHEMA_VERSION;
  command: string;
  ok: true;
  data: T;
}

export interface FailureEnvelope {
  schemaVersion: typeof SCHEMA_VERSION;
  command: string;
  ok: false;
  error: ErrorBody;
}

export type Envelope<T = unknown> = SuccessEnvelope<T> | FailureEnvelope;

/** Prints a command's result as the success envelope (one line on stdout). */
export function printJson<T>(command: string, data: T): void {
  writeEnvelope({ schemaVersion: SCHEMA_VERSION, command, ok: true, data });
}

/** Prints an error as the failure envelope (one line on stdout); returns the body it printed. */
export function printJsonError(command: string, err: unknown): ErrorBody {
  const error = isErrorBody(err) ? err : errorBody(err);
  writeEnvelope({ schemaVersion: SCHEMA_VERSION, command, ok: false, error });
  return error;
}

export function writeEnvelope(envelope: Envelope): void {
  process.stdout.write(`${JSON.stringify(envelope, replacer)}\n`);
}

/**
 * A thrown value as an error body. Permafrost's typed errors (and the stack's configuration errors)
 * keep their code and what they are about; anything else is UNEXPECTED: a driver's error never passes
 * for a contract. @permafrost/core is loaded here, on the error path only, so --help, --version and
 * usage errors never pay for it.
 */
export function errorBody(err: unknown): ErrorBody {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isPermafrostError } = require('@permafrost/core') as typeof import('@permafrost/core');
  const message = err instanceof Error ? err.message : String(err);
  if (isPermafrostError(err) || isStackConfigError(err)) {
    const details = Object.fromEntries(Object.entries(detailsOf(err)).filter(([, v]) => v !== undefined));
    return { code: (err as { code: string }).code, message, details };
  }
  const cause = err as { code?: unknown; name?: unknown };
  return {
    code: 'UNEXPECTED',
    message: `${message} (unexpected error: PERMAFROST_DEBUG=1 prints its stack on stderr)`,
    details: { ...(typeof cause?.name === 'string' ? { name: cause.name } : {}), ...(cause?.code !== undefined ? { cause: String(cause.code) } : {}) },
  };
}

function detailsOf(err: unknown): Record<string, unknown> {
  const e = err as Record<string, unknown> & { details?: Record<string, unknown> };
  return {
    workspaceId: e.workspaceId, plugin: e.plugin, hook: e.hook, setting: e.setting,
    from: e.from, transition: e.transition, operationId: e.operationId, unfinishedTransitionId: e.unfinishedTransitionId, statusChanged: e.statusChanged,
    ...(e.details && typeof e.details === 'object' ? e.details : {}),
  };
}

/** StackConfigError (from @permafrost/backend-lib/servers) by its shape: checking it must not load the servers module. */
function isStackConfigError(err: unknown): boolean {
  return err instanceof Error && err.name === 'StackConfigError' && (err as { code?: unknown }).code === 'STACK_CONFIG';
}

function isErrorBody(value: unknown): value is ErrorBody {
  const v = value as ErrorBody;
  return !(value instanceof Error) && typeof v?.code === 'string' && typeof v.message === 'string' && typeof v.details === 'object';
}

/** bigint and Error values in --json output. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: string }).code };
  return value;
}
