import type { Command, Option } from 'commander';

/** Whether `--json` is on the command line (before `--`): known even when parsing fails. */
export function wantsJson(argv: string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/**
 * The command a command line names ("stack up", "pause"), found by walking the declared commands and
 * skipping options and their values; "permafrost" when it names none (an unknown command). Used to
 * label a usage error's envelope, for which commander's parse gave up before any action.
 */
export function commandPath(program: Command, argv: string[]): string {
  const names: string[] = [];
  let current = program;
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (!arg.includes('=') && takesValue(program, current, arg)) i += 1;
      continue;
    }
    const sub = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(arg);
    current = sub;
  }
  return names.length === 0 ? program.name() : names.join(' ');
}

function takesValue(program: Command, current: Command, flag: string): boolean {
  const options: readonly Option[] = [...current.options, ...program.options];
  const option = options.find((o) => o.long === flag || o.short === flag);
  return Boolean(option && (option.required || option.optional) && !option.variadic);
}
