import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';
import { startServices } from './services';
import type { S3Location } from './s3-location';

/** What `stack up` leaves for other processes: where its Postgres and S3 answer. */
export interface DaemonState {
  pid: number;
  postgresUrl: string;
  s3: S3Location;
  startedAt: string;
}

const STATE_FILE = 'stack.json';

/**
 * Postgres and S3 of an instance, started in the background to outlive the command that started them
 * (`permafrost stack up`); later commands find them through the state file and reuse them.
 */
export async function startDaemon(instanceDir: string, bucket: string, prefix: string): Promise<DaemonState> {
  const running = readDaemon(instanceDir);
  if (running) return running;
  const s3Port = await freePort();
  const postgresPort = await freePort();
  const services = await startServices({
    dataDir: join(instanceDir, 'services'),
    fresh: false,
    detached: true,
    s3: { port: s3Port, bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', portSetting: 'PERMAFROST_S3_PORT' },
    postgres: { port: postgresPort, user: 'permafrost', password: 'permafrost', portSetting: 'PERMAFROST_POSTGRES_PORT' },
  });
  const state: DaemonState = {
    pid: services.pid,
    postgresUrl: `postgres://permafrost:permafrost@127.0.0.1:${postgresPort}/postgres`,
    s3: { endpoint: `http://127.0.0.1:${s3Port}`, bucket, prefix, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    startedAt: new Date().toISOString(),
  };
  mkdirSync(instanceDir, { recursive: true });
  writeFileSync(join(instanceDir, STATE_FILE), JSON.stringify(state, null, 2));
  return state;
}

/** The running daemon of an instance, or undefined (a stale state file of a dead process is removed). */
export function readDaemon(instanceDir: string): DaemonState | undefined {
  const file = join(instanceDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as DaemonState;
  if (isAlive(state.pid)) return state;
  rmSync(file, { force: true });
  return undefined;
}

export async function stopDaemon(instanceDir: string, timeoutMs = 30_000): Promise<boolean> {
  const state = readDaemon(instanceDir);
  if (!state) return false;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  rmSync(join(instanceDir, STATE_FILE), { force: true });
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
