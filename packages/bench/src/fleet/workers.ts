import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '@permafrost/dev-stack';

/** The compiled CLI: workers are the real `permafrost worker` processes an operator runs. */
export const CLI_BIN = resolve(repoRoot, 'packages/cli/dist/bin.js');

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Log lines the worker wrote at level warn or above (pino JSON on stderr), parsed. */
  problems: Array<Record<string, unknown>>;
}

export interface WorkerOptions {
  env: NodeJS.ProcessEnv;
  /** Transitions each worker runs at once (`--concurrency`). */
  concurrency: number;
  /** `--reconcile-cron`; off by default so a measurement runs only the work it asked for. */
  reconcileCron?: string;
  readyTimeoutMs?: number;
}

const PINO_WARN = 40;

/** Workers started by this process and not yet exited: killed if this process is told to stop. */
const running = new Set<WorkerProcess>();

/**
 * SIGKILLs every worker this process started. For a signal handler: workers are not tied to this
 * process as the engine server and services are (those stop when our end of their stdin closes).
 */
export function killStartedWorkers(): void {
  for (const w of running) w.child.kill('SIGKILL');
}

/** Starts one `permafrost worker` and resolves once it printed its ready line. */
export function startWorker(options: WorkerOptions): Promise<WorkerProcess> {
  return new Promise((ready, fail) => {
    const child = spawn(process.execPath, [CLI_BIN, '--json', 'worker', '--concurrency', String(options.concurrency), '--reconcile-cron', options.reconcileCron ?? 'off'], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const worker: WorkerProcess = { pid: child.pid!, child, exited, problems: [] };
    running.add(worker);
    void exited.then(() => running.delete(worker));
    let out = '';
    let err = '';
    let isReady = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`permafrost worker was not ready within ${options.readyTimeoutMs ?? 60_000} ms: ${err}`));
    }, options.readyTimeoutMs ?? 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (!isReady && out.includes('"ready":true')) {
        isReady = true;
        clearTimeout(timer);
        ready(worker);
      }
    });
    child.stderr!.on('data', (d) => {
      err += d;
      const lines = err.split('\n');
      err = lines.pop()!; // a partial line waits for the rest
      for (const line of lines) worker.problems.push(...parseProblem(line));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!isReady) fail(new Error(`permafrost worker exited (${code}) before it was ready: ${err}`));
    });
  });
}

/** Starts `count` workers at once (they create queues and run migrations concurrently, as a fleet boots). */
export async function startWorkers(count: number, options: WorkerOptions): Promise<WorkerProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startWorker(options)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopWorkers(workers, 'SIGKILL');
    throw failed.reason;
  }
  return workers;
}

/** SIGTERM: each finishes the jobs in hand and exits 0. Resolves with the exit codes. */
export async function stopWorkers(workers: WorkerProcess[], signal: NodeJS.Signals = 'SIGTERM'): Promise<Array<number | null>> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal);
  return Promise.all(workers.map((w) => w.exited));
}

/** A pino line at warn or above, or any line that is not pino's (a crash's stack trace). */
function parseProblem(line: string): Array<Record<string, unknown>> {
  if (line.trim() === '') return [];
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return typeof entry.level === 'number' && entry.level >= PINO_WARN ? [entry] : [];
  } catch {
    return [{ level: 60, msg: line }];
  }
}
