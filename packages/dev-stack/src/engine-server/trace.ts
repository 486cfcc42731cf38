import { createWriteStream, type WriteStream } from 'node:fs';

/** When a statement asked for, got and gave back the parameter lock (oneParameterizedAtATime), in performance.now() ms. */
export interface LockTimes {
  requested: number;
  acquired?: number;
  released?: number;
}

export interface StatementTiming {
  /** `run`: executed to completion; `stream`: pipeline built, first chunk fetched. */
  kind: 'run' | 'stream';
  /** Bound parameters: the statement took the engine-wide parameter lock. */
  bound: boolean;
  lock: LockTimes;
  /** Until the result (run) or the first chunk (stream). */
  done: number;
  sql: string;
}

let out: WriteStream | undefined;

/**
 * Opt-in timings of every statement, as JSON lines appended to the file PERMAFROST_ENGINE_TRACE names
 * (nothing is measured or written otherwise): how long a bound statement waited for the parameter lock
 * and held it, and how long it took. What saturates a shared engine — the lock, or the engine — is
 * read off these (the fleet benchmark's profile came from them).
 */
export function traceStatement(t: StatementTiming): void {
  const file = process.env.PERMAFROST_ENGINE_TRACE;
  if (!file) return;
  out ??= createWriteStream(file, { flags: 'a' });
  const ms = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? 0 : Math.round(b - a));
  out.write(`${JSON.stringify({
    at: Date.now(), kind: t.kind, bound: t.bound,
    waitedMs: ms(t.lock.requested, t.lock.acquired), heldMs: ms(t.lock.acquired, t.lock.released), totalMs: ms(t.lock.requested, t.done),
    sql: t.sql.replace(/\s+/g, ' ').slice(0, 160),
  })}\n`);
}

export const tracing = (): boolean => Boolean(process.env.PERMAFROST_ENGINE_TRACE);
