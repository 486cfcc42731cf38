import { Command, CommanderError, Option } from 'commander';
import { printJson, SCHEMA_VERSION, writeEnvelope } from '../output/envelope';
import { PROGRESS_MODES } from '../progress/modes';
import { STRATEGY_CHOICES } from '../strategy-names';
import { cliVersion } from '../version';
import { declareDemoCommand } from './demo';
import { declareFleetCommands } from './fleet';
import { declareLifecycleCommands } from './lifecycle';
import { EXIT, SCHEMA_CHOICES } from './options';
import { declareStackCommands } from './stack';
import { declareWorkspaceCommands } from './workspaces';
import { commandPath, wantsJson } from './usage';

export { EXIT } from './options';

/**
 * The command line: declarations only. Each action loads its command's module when it runs (see
 * lazy-action.ts), so building this costs commander and nothing else.
 */
export function buildProgram(options: { json?: boolean } = {}): Command {
  const program = new Command('permafrost')
    .description('Workspace lifecycle and cold storage for multi-tenant event platforms')
    .version(cliVersion(), '-V, --version', 'print the version')
    .option('--json', 'machine-readable output: one JSON envelope on stdout (docs/cli-json.md)')
    .option('--instance <name>', 'embedded stack instance (data under the data root; default "cli")')
    .addOption(new Option('--strategy <name>', 'cold storage strategy for workspaces without cold data').choices(STRATEGY_CHOICES).default('table'))
    .addOption(new Option('--schema <profile>', 'whose tables: permafrost (ours) or dittofeed (a Dittofeed installation\'s; its ClickHouse database in PERMAFROST_CLICKHOUSE_DATABASE)')
      .choices(SCHEMA_CHOICES).default('permafrost').env('PERMAFROST_SCHEMA'))
    .addOption(new Option('--progress <mode>', 'progress on stderr: bars, JSON lines, none; auto = bars on a terminal').choices(PROGRESS_MODES).default('auto'))
    // With --json, stderr keeps commander's one error line; the envelope on stdout says the rest.
    .showHelpAfterError(!options.json)
    .exitOverride();
  declareDemoCommand(program);
  declareWorkspaceCommands(program);
  declareLifecycleCommands(program);
  declareStackCommands(program);
  declareFleetCommands(program);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program)) command.exitOverride();
  return program;
}

/** Runs the CLI on `argv` (process.argv shape); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  const program = buildProgram({ json });
  // Commands report failure through process.exitCode; start clean so main() can be called repeatedly.
  process.exitCode = undefined;
  try {
    if (json && argv.slice(2).some((a) => a === '--version' || a === '-V')) {
      printJson('version', { version: cliVersion() });
      return EXIT.ok;
    }
    await program.parseAsync(argv);
    const code = Number(process.exitCode ?? EXIT.ok);
    process.exitCode = undefined;
    return code;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help and --version end here too, with exit code 0.
    if (err.exitCode === 0) return EXIT.ok;
    if (json) {
      writeEnvelope({
        schemaVersion: SCHEMA_VERSION,
        command: commandPath(program, argv),
        ok: false,
        error: { code: 'USAGE', message: err.message.replace(/^error: /, ''), details: { reason: err.code.replace(/^commander\./, '') } },
      });
    }
    return EXIT.usage;
  }
}
