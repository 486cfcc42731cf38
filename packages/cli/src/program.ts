import { Command, CommanderError, Option } from 'commander';
import { registerDemoCommand } from './commands/demo';
import { registerFleetCommands } from './commands/fleet';
import { registerInspectCommands } from './commands/inspect';
import { registerLifecycleCommands } from './commands/lifecycle';
import { registerStackCommands } from './commands/stack';
import { registerWorkspaceCommands } from './commands/workspaces';
import { STRATEGY_CHOICES } from './strategies';

/** Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('permafrost')
    .description('Workspace lifecycle and cold storage for multi-tenant event platforms')
    .option('--json', 'machine-readable output on stdout')
    .option('--instance <name>', 'embedded stack instance (data under the data root; default "cli")')
    .addOption(new Option('--strategy <name>', 'cold storage strategy for workspaces without cold data').choices(STRATEGY_CHOICES).default('table'))
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerWorkspaceCommands(program);
  registerLifecycleCommands(program);
  registerStackCommands(program);
  registerFleetCommands(program);
  registerInspectCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Commands report failure through process.exitCode; start clean so main() can be called repeatedly.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
    const code = Number(process.exitCode ?? EXIT.ok);
    process.exitCode = undefined;
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
}
