import pino from 'pino';
import { InvalidInputError } from './errors';
import { redaction } from './log-redaction';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const LOGGER = Symbol.for('permafrost.Logger');

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The level from the environment: `PERMAFROST_LOG_LEVEL` wins (it names this program alone), then the
 * conventional `LOG_LEVEL`, else `warn` (quiet by default: stderr is for trouble). A bad value is refused
 * naming the variable, instead of pino's bare "unknown level".
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['PERMAFROST_LOG_LEVEL', 'LOG_LEVEL']) {
    const value = env[name]?.trim().toLowerCase();
    if (!value) continue;
    if (!LEVELS.includes(value)) throw new InvalidInputError(`${name}=${JSON.stringify(env[name])} is not a log level; use one of ${LEVELS.join(', ')} (or unset it for warn).`);
    return value;
  }
  return 'warn';
}

export interface CreateLoggerOptions {
  /** Overrides the environment (see logLevelFromEnv). */
  level?: string;
  name?: string;
  /** Where the JSON lines go (default stderr, so stdout stays for command output). */
  destination?: pino.DestinationStream;
}

/** pino, JSON lines, secrets redacted (see log-redaction.ts) in every field of every record. */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const level = opts.level ?? logLevelFromEnv();
  if (!LEVELS.includes(level)) throw new InvalidInputError(`log level ${JSON.stringify(level)} is not one of ${LEVELS.join(', ')}.`);
  const base = pino({ name: opts.name ?? 'permafrost', level, redact: redaction }, opts.destination ?? pino.destination(2));
  return adapt(base);
}

function adapt(log: pino.Logger): Logger {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
    child: (bindings) => adapt(log.child(bindings)),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
