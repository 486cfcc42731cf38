import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';
import { spawnEngineServer } from './engine-server/launch';
import { startServices } from './services';
import type { S3Location } from './s3-location';

/** What `stack up` leaves for other processes: where its Postgres, S3 and ClickHouse answer. */
export interface DaemonState {
  /** The process running Postgres and S3. */
  pid: number;
  postgresUrl: string;
  s3: S3Location;
  /** The shared embedded ClickHouse (engine-server): every command connects over HTTP, none opens the engine. */
  clickhouseUrl: string;
  enginePid: number;
  startedAt: string;
}

const STATE_FILE = 'stack.json';

/**
 * Postgres, S3 and the ClickHouse engine of an instance, started in the background to outlive the
 * command that started them (`permafrost stack up`); later commands find them through the state file
 * and reuse them.
 */
export async function startDaemon(instanceDir: string, bucket: string, prefix: string, s3RetryAttempts: number): Promise<DaemonState> {
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
  const s3: S3Location = { endpoint: `http://127.0.0.1:${s3Port}`, bucket, prefix, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  // One engine for the instance, in its own long-lived process: background deletes keep running between
  // commands, commands start without loading the engine, and several can run at once.
  let engine;
  try {
    engine = await spawnEngineServer({ dataPath: join(instanceDir, 'clickhouse'), s3, s3RetryAttempts, detached: true });
  } catch (err) {
    process.kill(services.pid, 'SIGTERM');
    throw err;
  }
  const state: DaemonState = {
    pid: services.pid,
    postgresUrl: `postgres://permafrost:permafrost@127.0.0.1:${postgresPort}/postgres`,
    s3,
    clickhouseUrl: engine.url,
    enginePid: engine.pid,
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
  if (isAlive(state.pid) && state.enginePid !== undefined && isAlive(state.enginePid)) return state;
  // Half a stack is no stack: stop what is left so `stack up` starts both again.
  for (const pid of [state.pid, state.enginePid]) if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGTERM');
  rmSync(file, { force: true });
  return undefined;
}

export async function stopDaemon(instanceDir: string, timeoutMs = 30_000): Promise<boolean> {
  const state = readDaemon(instanceDir);
  if (!state) return false;
  // The engine first: it lets running queries finish and closes its data directory cleanly.
  for (const pid of [state.enginePid, state.pid]) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
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
