import pc from 'picocolors';
import { isPermafrostError } from '@permafrost/core';
import { StackConfigError } from '@permafrost/dev-stack';

/**
 * Results go to stdout (JSON with --json, a readable rendering otherwise); progress, notes and errors go
 * to stderr, so `--json` output can be piped. picocolors drops colour when the stream is not a terminal
 * or NO_COLOR is set.
 */
export class Output {
  constructor(readonly json: boolean) {}

  result(value: unknown, human: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, replacer)}\n` : `${human()}\n`);
  }

  note(message: string): void {
    if (!this.json) process.stderr.write(`${pc.dim(message)}\n`);
  }

  error(err: unknown): number {
    const code = errorCode(err);
    const message = (err as Error)?.message ?? String(err);
    if (this.json) process.stdout.write(`${JSON.stringify({ error: { code, message, details: errorDetails(err) } })}\n`);
    process.stderr.write(`${pc.red('error')} ${pc.bold(code)}: ${message}\n`);
    if (!isPermafrostError(err) && !(err instanceof StackConfigError) && process.env.PERMAFROST_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
    return 1;
  }
}

export function errorCode(err: unknown): string {
  if (isPermafrostError(err) || err instanceof StackConfigError) return err.code;
  return (err as { code?: string })?.code ? `ERROR_${(err as { code: string }).code}` : 'ERROR';
}

/** What an error says beyond code and message: the typed fields callers match on (ids, plugin, hook). */
export function errorDetails(err: unknown): Record<string, unknown> {
  const e = (err ?? {}) as Record<string, unknown>;
  const details: Record<string, unknown> = {};
  for (const key of ['workspaceId', 'plugin', 'hook', 'unfinishedTransitionId', 'operationId', 'transition', 'from', 'statusChanged', 'setting']) {
    if (e[key] !== undefined) details[key] = e[key];
  }
  return details;
}

/** bigint and Error values in --json output. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: string }).code };
  return value;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [pc.bold(line(cells[0]!)), ...cells.slice(1).map(line)].join('\n');
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export const green = pc.green;
export const red = pc.red;
export const bold = pc.bold;
