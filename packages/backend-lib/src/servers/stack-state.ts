import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Location } from './s3-location';

/**
 * What `permafrost stack up` leaves for other processes: where the instance's Postgres, S3 and shared
 * ClickHouse engine answer. It holds the Postgres password and the S3 keys, so it is written 0600 and
 * commands print its path, never its secrets.
 */
export interface StackState {
  /** The process running Postgres and S3. */
  pid: number;
  /** Names the instance's `permafrost` database (created by `stack up`). */
  postgresUrl: string;
  s3: S3Location;
  /** The shared embedded ClickHouse (engine server): every command connects over HTTP, none opens the engine. */
  clickhouseUrl: string;
  enginePid: number;
  startedAt: string;
}

export const STACK_STATE_FILE = 'stack.json';

export function stackStatePath(instanceDir: string): string {
  return join(instanceDir, STACK_STATE_FILE);
}

export function writeStackState(instanceDir: string, state: StackState): string {
  mkdirSync(instanceDir, { recursive: true });
  const file = stackStatePath(instanceDir);
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // `mode` applies only when the file is created
  return file;
}

/**
 * The running stack of an instance, or undefined. A state file whose processes are gone is removed, and
 * half a stack (one of its two processes dead) is stopped, so the next `stack up` starts both again.
 * Reads a file and signals processes only: no server module is loaded.
 */
export function readStackState(instanceDir: string): StackState | undefined {
  const file = stackStatePath(instanceDir);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as StackState;
  if (isAlive(state.pid) && state.enginePid !== undefined && isAlive(state.enginePid)) return state;
  for (const pid of [state.pid, state.enginePid]) if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGTERM');
  rmSync(file, { force: true });
  return undefined;
}

/** Whether a process of this host is alive (signal 0 checks without signalling; EPERM means it exists). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
