import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * Statements issued inside a query scope carry query ids `<prefix><attempt>-<n>`, so the server can name
 * — and stop — every statement of one unit of work. Why: a worker that dies half-way through an
 * `INSERT … SELECT` leaves that statement running on a ClickHouse server (a dropped HTTP connection does
 * not cancel an insert), and the retry of the operation must stop it before it drops and rewrites what
 * that insert is still writing into. The attempt part is new per scope, so a retry's ids never collide
 * with a statement of an earlier attempt still running (the server refuses a running query's id).
 *
 * AsyncLocalStorage carries the scope through every await of the work, strategies written by others
 * included: nothing is threaded through their calls.
 */
interface QueryScope {
  readonly prefix: string;
  next: number;
}

const scopes = new AsyncLocalStorage<QueryScope>();

/** What may prefix query ids: it enters SQL text on a cluster (KILL QUERY ON CLUSTER takes no parameter). */
const QUERY_ID_PREFIX = /^[a-z0-9][a-z0-9-]{0,80}-$/;

export function assertQueryIdPrefix(prefix: string): void {
  if (!QUERY_ID_PREFIX.test(prefix)) throw new Error(`query id prefix ${JSON.stringify(prefix)} must be lowercase letters, digits and dashes, ending with a dash`);
}

export function withQueryIdPrefix<T>(prefix: string, work: () => Promise<T>): Promise<T> {
  assertQueryIdPrefix(prefix);
  return scopes.run({ prefix: `${prefix}${randomUUID().slice(0, 8)}-`, next: 0 }, work);
}

/** Runs `work` with no scope: its statements get no id of the scope around it (see ClickHouse.stopQueries). */
export function outsideQueryScope<T>(work: () => Promise<T>): Promise<T> {
  return scopes.exit(work);
}

/** The next statement's query id inside a scope; undefined outside one (the client then picks its own). */
export function nextQueryId(): string | undefined {
  const scope = scopes.getStore();
  if (!scope) return undefined;
  scope.next += 1;
  return `${scope.prefix}${scope.next}`;
}
