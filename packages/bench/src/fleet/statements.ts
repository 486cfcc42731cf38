import type { ClickHouse } from '@permafrost/backend-lib';
import { round } from '../stats';

export interface StatementCost {
  /** The statement's text, whitespace folded and operation-specific names replaced, cut at 140 characters. */
  statement: string;
  calls: number;
  ms: number;
}

export interface StatementGrowth {
  statement: string;
  calls: number;
  msSmall: number;
  msLarge: number;
  /** msLarge / msSmall: above 1 the statement costs more as the fleet grows. */
  ratio: number;
}

/**
 * Every statement one operation sends to ClickHouse, timed: the audit of what an archive or a restore
 * costs and which statement grows with the fleet. It wraps the app's one ClickHouse door (`rows`, which
 * `one` also goes through, and `command`); Postgres statements of the journal are indexed lookups by
 * workspace or operation and are not recorded.
 */
export class StatementRecorder {
  private current: Map<string, StatementCost> | undefined;

  constructor(ch: ClickHouse) {
    const rows = ch.rows.bind(ch);
    const command = ch.command.bind(ch);
    ch.rows = (async (query: string, ...rest: unknown[]) => this.time(query, () => (rows as (...a: unknown[]) => Promise<unknown>)(query, ...rest))) as ClickHouse['rows'];
    ch.command = (async (query: string, ...rest: unknown[]) => this.time(query, () => (command as (...a: unknown[]) => Promise<unknown>)(query, ...rest))) as ClickHouse['command'];
  }

  /** Runs `fn` (one operation at a time: statements of others running meanwhile would be counted too). */
  async record<T>(fn: () => Promise<T>): Promise<{ value: T; statements: StatementCost[] }> {
    this.current = new Map();
    try {
      const value = await fn();
      return { value, statements: [...this.current.values()].map((s) => ({ ...s, ms: round(s.ms, 1) })).sort((a, b) => b.ms - a.ms) };
    } finally {
      this.current = undefined;
    }
  }

  private async time<T>(query: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      if (this.current) {
        const key = normalize(query);
        const entry = this.current.get(key) ?? { statement: key, calls: 0, ms: 0 };
        entry.calls += 1;
        entry.ms += performance.now() - started;
        this.current.set(key, entry);
      }
    }
  }
}

/** Same statement, whatever the operation, partition or object it names. */
export function normalize(query: string): string {
  return query
    .replace(/\s+/g, ' ')
    .replace(/permafrost_restore_[0-9a-f]{32}/g, 'permafrost_restore_<op>')
    .replace(/permafrost_s3_delete_[0-9a-f]+/g, 'permafrost_s3_delete_<key>')
    .replace(/(DROP PARTITION ID '[0-9a-f]+',? ?)+/g, "DROP PARTITION ID '<id>'… ")
    .replace(/PARTITION ID '[0-9a-f]+'/g, "PARTITION ID '<id>'")
    .trim()
    .slice(0, 140);
}

/** Statements of the same operation at two fleet sizes, side by side, costliest at the large size first. */
export function compareStatements(small: StatementCost[], large: StatementCost[]): StatementGrowth[] {
  const bySmall = new Map(small.map((s) => [s.statement, s]));
  return large.map((l) => {
    const s = bySmall.get(l.statement);
    return { statement: l.statement, calls: l.calls, msSmall: s?.ms ?? 0, msLarge: l.ms, ratio: s && s.ms > 0 ? round(l.ms / s.ms) : 0 };
  }).sort((a, b) => b.msLarge - a.msLarge);
}
