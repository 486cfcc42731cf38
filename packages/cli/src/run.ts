import type { Command } from 'commander';
import { assertWorkspaceId } from '@permafrost/backend-lib';
import type { GlobalOptions } from './context';
import { Output } from './output';

/** Refuses an id that cannot name a workspace before any server is started (NOT_FOUND, exit 1). */
export function workspaceArg(id: string): string {
  assertWorkspaceId(id);
  return id;
}

/** Runs a command body with the global options; an error becomes a message on stderr and exit code 1. */
export async function run(program: Command, body: (options: GlobalOptions, out: Output) => Promise<void>): Promise<void> {
  const options = program.opts() as GlobalOptions;
  const out = new Output(Boolean(options.json));
  try {
    await body(options, out);
  } catch (err) {
    process.exitCode = out.error(err);
  }
}
