import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { servicesProcessPath } from './paths';
import { StackConfigError } from '@permafrost/backend-lib/servers';

export interface ServicesSpec {
  dataDir: string;
  /** Outlive this process (stopped by SIGTERM to `pid`); otherwise the services die with it. */
  detached?: boolean;
  fresh: boolean;
  s3?: { port: number; bucket: string; accessKeyId: string; secretAccessKey: string; portSetting: string };
  postgres?: { port: number; user: string; password: string; portSetting: string };
}

export interface RunningServices {
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts S3 and Postgres in one child process (bin/services-process.mjs). Its stdin is a pipe we never
 * write to: when this process dies, even by SIGKILL, the pipe closes and the child stops Postgres and exits.
 */
export async function startServices(spec: ServicesSpec, timeoutMs = 60_000): Promise<RunningServices> {
  const child = spawn(process.execPath, [servicesProcessPath, JSON.stringify(spec)], {
    stdio: [spec.detached ? 'ignore' : 'pipe', 'pipe', spec.detached ? 'ignore' : 'inherit'],
    detached: spec.detached ?? false,
  });
  const ready = await readReadyLine(child, timeoutMs);
  if (spec.detached && ready.ready) {
    child.stdout?.destroy();
    child.unref();
  }
  if (!ready.ready) {
    await waitForExit(child, 10_000);
    throw new StackConfigError(ready.error.setting ?? 'embedded services', ready.error.message);
  }
  let stopped: Promise<void> | undefined;
  return {
    pid: child.pid!,
    stop: () => (stopped ??= (async () => {
      if (spec.detached) child.kill('SIGTERM');
      else child.stdin?.end();
      await waitForExit(child, 30_000);
    })()),
  };
}

type ReadyLine = { ready: true; pid: number } | { ready: false; error: { setting?: string; message: string } };

function readReadyLine(child: ChildProcess, timeoutMs: number): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded services did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      try {
        resolve(JSON.parse(line) as ReadyLine);
      } catch {
        reject(new Error(`embedded services printed an unexpected line: ${line}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded services exited with code ${code} before they were ready`));
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
