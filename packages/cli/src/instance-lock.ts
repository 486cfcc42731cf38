import { mkdirSync } from 'node:fs';
import lockfile from 'proper-lockfile';

/**
 * One command at a time per embedded instance: chDB binds a data directory to one process and the
 * embedded Postgres to one postmaster, so a second command would fail deep inside either. It waits for
 * the first instead (proper-lockfile: a lock directory refreshed while held, stale after a crash).
 */
export async function lockInstance(dir: string, onWait: () => void, timeoutMs = 120_000): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let warned = false;
  for (;;) {
    try {
      // Beside the instance, not in it: a fresh start (demo) wipes the instance directory.
      return await lockfile.lock(dir, { lockfilePath: `${dir}.lock`, realpath: false, stale: 15_000, update: 5_000 });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ELOCKED' || Date.now() > deadline) throw err;
      if (!warned) onWait();
      warned = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
