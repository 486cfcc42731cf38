/**
 * The engine server as a process of its own (`node dist/engine-server/main.js '<json spec>'`), so several
 * processes can share one embedded engine: chDB binds a data directory to one process.
 *
 * Protocol (as bin/services-process.mjs): argv[2] is a JSON EngineServerSpec. One JSON line on stdout,
 * `{"ready":true,"url":…,"port":…,"pid":…}` or `{"ready":false,"error":{"message":…}}`. The process stops
 * (letting running queries finish, then closing the engine) when its stdin closes, which happens when
 * the parent dies for any reason, or on SIGTERM/SIGINT; with `detached`, only on a signal.
 */
import { startEngineServer, type EngineServerOptions, type RunningEngineServer } from './server';

export interface EngineServerSpec extends EngineServerOptions {
  detached?: boolean;
}

export type EngineServerReadyLine =
  | { ready: true; url: string; port: number; pid: number; engineVersion: string }
  | { ready: false; error: { message: string } };

function writeLine(line: EngineServerReadyLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as EngineServerSpec;
  let server: RunningEngineServer | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server?.stop().catch((err: unknown) => process.stderr.write(`engine server: ${String(err)}\n`));
    process.exit(0);
  };
  if (!spec.detached) {
    process.stdin.on('end', () => void stop());
    process.stdin.on('error', () => void stop());
    process.stdin.resume();
  }
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  try {
    server = await startEngineServer(spec);
  } catch (err) {
    writeLine({ ready: false, error: { message: err instanceof Error ? err.message : String(err) } });
    process.exit(1);
  }
  writeLine({ ready: true, url: server.url, port: server.port, pid: process.pid, engineVersion: server.engineVersion });
}

void main();
