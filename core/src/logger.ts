import pino from 'pino';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const LOGGER = Symbol.for('permafrost.Logger');

/** pino on stderr (stdout stays for command output); level from PERMAFROST_LOG_LEVEL, quiet by default. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  const base = pino({ name: opts.name ?? 'permafrost', level: opts.level ?? process.env.PERMAFROST_LOG_LEVEL ?? 'warn' }, pino.destination(2));
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
