import type { Command } from 'commander';
import type { GlobalOptions } from './context';
import { Output } from './output';

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
