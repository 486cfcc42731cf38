import type { Command } from 'commander';
import { Output } from '../output/output';
import { EXIT, type GlobalOptions } from './options';

/** What a command's module gets: the global options and where its answer goes. */
export interface CommandIO {
  command: string;
  options: GlobalOptions;
  out: Output;
}

/** A command's module: `run(io, ...positional arguments, command options)`. */
export interface CommandModule<A extends unknown[]> {
  run(io: CommandIO, ...args: A): Promise<void>;
}

/**
 * A commander action that loads the command's module only when that command runs: `--help`, `--version`
 * and usage errors load no server code, and each command loads only what it uses. A thrown error is
 * reported (failure envelope with --json, a line on stderr) and the exit code is 1.
 *
 * Declarations load modules with `require` (typed by `typeof import(…)`), not `import()`: under
 * TypeScript's node16 module setting `import()` stays an ECMAScript import, which would start Node's
 * ESM loader for CommonJS files; `require` keeps one loader and `require.cache` says what was loaded.
 */
export function lazyAction<A extends unknown[]>(program: Command, command: string, load: () => CommandModule<A> | Promise<CommandModule<A>>) {
  return async (...args: unknown[]): Promise<void> => {
    const options = program.opts<GlobalOptions>();
    const out = new Output(command, Boolean(options.json));
    try {
      const module = await load();
      // Commander passes the positional arguments, the command's options, then the Command itself.
      await module.run({ command, options, out }, ...(args.slice(0, -1) as A));
    } catch (err) {
      out.fail(err);
      process.exitCode = EXIT.failed;
    }
  };
}
