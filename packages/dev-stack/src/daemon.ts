import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDatabase, isAlive, readStackState, stackStatePath, writeStackState, type S3Location, type StackState } from '@permafrost/backend-lib/servers';
import { freePort } from './ports';
import { spawnEngineServer } from './engine-server/launch';
import { startServices } from './services';

/** What `stack up` leaves for other processes (the state file's contents; see @permafrost/backend-lib/servers). */
export type DaemonState = StackState;

/** The Postgres database `stack up` creates and names in its URL: the one every command uses. */
export const DAEMON_DATABASE = 'permafrost';

/**
 * Postgres, S3 and the ClickHouse engine of an instance, started in the background to outlive the
 * command that started them (`permafrost stack up`); later commands find them through the state file
 * (0600: it holds the password and keys) and reuse them.
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
  let postgresUrl: string;
  try {
    postgresUrl = await ensureDatabase(`postgres://permafrost:permafrost@127.0.0.1:${postgresPort}/postgres`, DAEMON_DATABASE);
    engine = await spawnEngineServer({ dataPath: join(instanceDir, 'clickhouse'), s3, s3RetryAttempts, detached: true });
  } catch (err) {
    process.kill(services.pid, 'SIGTERM');
    throw err;
  }
  const state: DaemonState = { pid: services.pid, postgresUrl, s3, clickhouseUrl: engine.url, enginePid: engine.pid, startedAt: new Date().toISOString() };
  writeStackState(instanceDir, state);
  return state;
}

/** The running daemon of an instance, or undefined (a stale state file of a dead process is removed). */
export function readDaemon(instanceDir: string): DaemonState | undefined {
  return readStackState(instanceDir);
}

/** Where the daemon's state file (URLs with the password, S3 keys) is. */
export function daemonStatePath(instanceDir: string): string {
  return stackStatePath(instanceDir);
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
  rmSync(daemonStatePath(instanceDir), { force: true });
  return true;
}
