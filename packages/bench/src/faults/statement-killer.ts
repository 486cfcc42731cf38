import { ClickHouse } from '@permafrost/backend-lib';

/**
 * Crash points taken from what an operation really does: every ClickHouse statement that changes state
 * (DDL, INSERT, ALTER, DELETE — `ClickHouse.command`) is numbered as it completes; with a kill point set,
 * the process SIGKILLs itself right after that statement returns, before anything else (a checkpoint in
 * Postgres, the next statement) happens. Reads change nothing, so a crash after a read is the same state
 * as a crash after the statement before it.
 */
export function armStatementKiller(killAfter: number | undefined, onStatement: (n: number, sql: string) => void): () => void {
  const original = ClickHouse.prototype.command;
  let n = 0;
  ClickHouse.prototype.command = async function patched(this: ClickHouse, ...args: Parameters<ClickHouse['command']>) {
    await original.apply(this, args);
    n += 1;
    onStatement(n, args[0].replace(/\s+/g, ' ').trim().slice(0, 100));
    if (killAfter !== undefined && n === killAfter) process.kill(process.pid, 'SIGKILL');
  };
  return () => {
    ClickHouse.prototype.command = original;
  };
}
