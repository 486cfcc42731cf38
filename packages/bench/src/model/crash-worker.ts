#!/usr/bin/env node
import 'reflect-metadata';
import { openSut, type SutConfig } from './boot';
import type { Transition } from './types';

/**
 * A child process for crash steps: runs one transition on the model's engine and SIGKILLs itself at
 * the killAt-th progress event (like faults/worker.ts). Prints one JSON line: {"result":…} when the
 * transition finished before that event, or {"error":…}.
 *
 *   crash-worker <sut-config-json> <workspace-id> <transition> <killAt>
 */
const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const [configJson, ws, t, killAt] = process.argv.slice(2) as [string, string, Transition, string];
  const sut = await openSut(JSON.parse(configJson) as SutConfig);
  try {
    let seen = 0;
    sut.app.emitter.on('progress', () => {
      seen += 1;
      if (seen === Number(killAt)) process.kill(process.pid, 'SIGKILL');
    });
    const run = { pause: sut.workspaces.pauseWorkspace, resume: sut.workspaces.resumeWorkspace, tombstone: sut.workspaces.tombstoneWorkspace, untombstone: sut.workspaces.activateTombstonedWorkspace }[t];
    const result = await run.call(sut.workspaces, ws);
    emit({ result: { to: result.to, progressEvents: seen } });
  } catch (err) {
    const e = err as Error & { code?: string };
    emit({ error: { code: e.code, message: e.message } });
    process.exitCode = 1;
  } finally {
    await sut.close();
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => {
  emit({ error: { message: String((err as Error).stack ?? err) } });
  process.exit(1);
});
