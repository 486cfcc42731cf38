import { mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import lockfile from 'proper-lockfile';
import { isAlive } from '@permafrost/backend-lib/servers';
import { InstanceBusyError } from './errors';

/** Who holds an instance: written beside the lock by the holder, read by whoever waits for it. */
export interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  since: string;
  /** Inode of the lock directory it describes: an owner file left from an earlier lock never names the current one. */
  lockIno: number;
}

export interface LockRequest {
  instance: string;
  /** The command taking the lock, named to whoever waits. */
  command: string;
  /** Called once if the lock is held by a live command: says who. */
  onWait(message: string): void;
  timeoutMs?: number;
}

const STALE_MS = 15_000;
/** How long a holder may go unnamed (between taking the lock and writing its owner file) before we say so. */
const OWNER_GRACE_MS = 1_000;

/**
 * One command at a time per embedded instance: chDB binds a data directory to one process and the
 * embedded Postgres to one postmaster, so a second command would fail deep inside either. proper-lockfile
 * makes the lock (a directory beside the instance, refreshed while held, stale 15 s after its holder
 * stopped refreshing it); we add who holds it. A holder on this host whose process is gone left it
 * behind: the lock is taken over at once (its mtime is set to the epoch so proper-lockfile's own stale
 * takeover runs now, not 15 s later). A live holder is waited for, by name, up to `timeoutMs`.
 */
export async function lockInstance(dir: string, request: LockRequest): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  // Beside the instance, not in it: a fresh start (demo, stack up --fresh) wipes the instance directory.
  const lockPath = `${dir}.lock`;
  const ownerPath = `${lockPath}.owner.json`;
  const deadline = Date.now() + (request.timeoutMs ?? 120_000);
  let warned = false;
  let busySince: number | undefined;
  for (;;) {
    try {
      const release = await lockfile.lock(dir, { lockfilePath: lockPath, realpath: false, stale: STALE_MS, update: STALE_MS / 3 });
      const owner = writeOwner(lockPath, ownerPath, request.command);
      return async () => {
        if (readOwner(ownerPath)?.lockIno === owner.lockIno) rmSync(ownerPath, { force: true });
        await release();
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'ELOCKED') throw err;
      const owner = currentOwner(lockPath, ownerPath);
      if (owner && owner.hostname === hostname() && !isAlive(owner.pid)) {
        expire(lockPath); // the next attempt finds it stale and takes it over
        continue;
      }
      const holder = owner
        ? `instance ${request.instance} is in use by pid ${owner.pid} (command ${owner.command}) on host ${owner.hostname}`
        : `instance ${request.instance} is in use by another permafrost command`;
      if (Date.now() > deadline) {
        throw new InstanceBusyError(`${holder}; gave up waiting after ${Math.round((request.timeoutMs ?? 120_000) / 1000)} s. Run the command again when it is done, or use another --instance.`,
          { instance: request.instance, ...(owner ? { pid: owner.pid, host: owner.hostname, holderCommand: owner.command } : {}) });
      }
      // A holder that took the lock a moment ago may not have written who it is yet: give it a second
      // before saying "another command", so the one message names it whenever it can.
      busySince ??= Date.now();
      if (!owner && Date.now() - busySince < OWNER_GRACE_MS) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (!warned) request.onWait(`${holder}; waiting for it to finish…`);
      warned = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function writeOwner(lockPath: string, ownerPath: string, command: string): LockOwner {
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), command, since: new Date().toISOString(), lockIno: statSync(lockPath).ino };
  // Written whole, then renamed into place: a reader never sees half a file.
  const tmp = `${ownerPath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(owner));
  renameSync(tmp, ownerPath);
  return owner;
}

function readOwner(ownerPath: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(ownerPath, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** The owner of the lock as it is now; undefined while a new holder has not written its file yet. */
function currentOwner(lockPath: string, ownerPath: string): LockOwner | undefined {
  const owner = readOwner(ownerPath);
  try {
    return owner && owner.lockIno === statSync(lockPath).ino ? owner : undefined;
  } catch {
    return undefined; // released meanwhile
  }
}

function expire(lockPath: string): void {
  try {
    utimesSync(lockPath, 0, 0);
  } catch {
    // released meanwhile: the next attempt simply takes it
  }
}
