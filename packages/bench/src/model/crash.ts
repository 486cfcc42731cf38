import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '@permafrost/dev-stack';
import type { SutConfig } from './boot';
import type { Transition } from './types';

/** The compiled worker (tests build packages/bench first, the CLI runs from dist anyway). */
export const crashWorkerPath = resolve(repoRoot, 'packages/bench/dist/model/crash-worker.js');

export interface CrashRun {
  killed: boolean;
  result?: { to: string; progressEvents: number };
  error?: { code?: string; message: string };
}

/**
 * Runs one transition in a child process that kills itself at its killAt-th progress event. The
 * caller must have closed its own engine first: the child opens the same directory.
 */
export function runCrashWorker(config: SutConfig, ws: string, t: Transition, killAt: number, env: NodeJS.ProcessEnv): Promise<CrashRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [crashWorkerPath, JSON.stringify(config), ws, t, String(killAt)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let last: { result?: CrashRun['result']; error?: CrashRun['error'] } = {};
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        last = JSON.parse(text) as typeof last;
      } catch {
        // not ours (a library printing): ignore
      }
    });
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') return done({ killed: true });
      if (last.result) return done({ killed: false, result: last.result });
      done({ killed: false, error: last.error ?? { message: `crash worker exited with ${code}: ${stderr}` } });
    });
  });
}
