import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '@permafrost/dev-stack';

export interface FaultRecord {
  case: string;
  injected: number;
  lost: number;
  duplicated: number;
}

/** Appends one case's real counts; the jest global teardown sums them into the `faults:` line. */
export function recordFault(record: FaultRecord): void {
  const dir = process.env.PERMAFROST_TEST_RUN_DIR;
  if (dir) appendFileSync(join(dir, 'faults.jsonl'), `${JSON.stringify(record)}\n`);
}

export const workerPath = resolve(repoRoot, 'packages/bench/dist/faults/worker.js');

export interface WorkerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: Array<Record<string, any>>;
  result?: any;
  error?: { code?: string; causeCode?: string; message: string };
}

/** Runs the fault worker; `onLine` sees every JSON line as it arrives (to kill S3 mid-operation). */
export function runWorker(args: string[], env: NodeJS.ProcessEnv, onLine?: (line: Record<string, any>) => void): Promise<WorkerRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [workerPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, any>> = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        const line = JSON.parse(text);
        lines.push(line);
        onLine?.(line);
      } catch {
        lines.push({ text });
      }
    });
    child.on('exit', (code, signal) => {
      const result = lines.find((l) => 'result' in l)?.result;
      const error = lines.find((l) => 'error' in l)?.error ?? (code !== 0 && !signal && !result ? { message: stderr.slice(-2000) } : undefined);
      done({ code, signal, lines, result, error });
    });
  });
}
