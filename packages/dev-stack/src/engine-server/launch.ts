/**
 * Starts the engine server as a child process (main.ts) and waits for its ready line, the way
 * services.ts starts Postgres and S3. Its stdin is a pipe we never write to: when this process dies,
 * even by SIGKILL, the pipe closes and the server closes the engine and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { EngineServerReadyLine, EngineServerSpec } from './main';

export interface EngineServerProcess {
  url: string;
  port: number;
  pid: number;
  engineVersion: string;
  stop(): Promise<void>;
}

/** src/ and dist/ sit at the same depth: the compiled entry point, from the sources under jest too. */
export const engineServerMainPath = resolve(__dirname, '../../dist/engine-server/main.js');

export async function spawnEngineServer(spec: EngineServerSpec, timeoutMs = 60_000): Promise<EngineServerProcess> {
  const child = spawn(process.execPath, [engineServerMainPath, JSON.stringify(spec)], {
    stdio: [spec.detached ? 'ignore' : 'pipe', 'pipe', spec.detached ? 'ignore' : 'inherit'],
    detached: spec.detached ?? false,
  });
  const ready = await readReadyLine(child, timeoutMs);
  if (!ready.ready) {
    await waitForExit(child, 10_000);
    throw new Error(`engine server did not start: ${ready.error.message}`);
  }
  if (spec.detached) {
    child.stdout?.destroy();
    child.unref();
  }
  let stopped: Promise<void> | undefined;
  return {
    url: ready.url,
    port: ready.port,
    pid: ready.pid,
    engineVersion: ready.engineVersion,
    stop: () => (stopped ??= (async () => {
      if (spec.detached) child.kill('SIGTERM');
      else child.stdin?.end();
      await waitForExit(child, 30_000);
    })()),
  };
}

function readReadyLine(child: ChildProcess, timeoutMs: number): Promise<EngineServerReadyLine> {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine server was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      try {
        resolveLine(JSON.parse(line) as EngineServerReadyLine);
      } catch {
        reject(new Error(`engine server printed an unexpected line: ${line}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`engine server exited with code ${code} before it was ready`));
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}
