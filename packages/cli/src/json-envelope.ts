import type { Command } from 'commander';
import type { GlobalOptions } from './context';
import { errorCode, errorDetails, Output } from './output';

/**
 * The versioned JSON envelope of `--json` output: `{"schemaVersion":1,"command":…,"ok":true,"data":{…}}`,
 * or `ok: false` with `error: {code, message, details}`. A local helper for the inspect commands until
 * the shared one replaces it (same shape). Data schemas: packages/cli/schemas/<command>.data.schema.json.
 */
export const SCHEMA_VERSION = 1;

export interface Envelope<T> {
  schemaVersion: typeof SCHEMA_VERSION;
  command: string;
  ok: boolean;
  data?: T;
  error?: { code: string; message: string; details: Record<string, unknown> };
}

/** Runs a command body; its result (or error) is printed in the envelope with --json, as text otherwise. */
export async function runEnveloped<T>(program: Command, command: string, body: (options: GlobalOptions) => Promise<{ data: T; human: () => string }>): Promise<void> {
  const options = program.opts() as GlobalOptions;
  const out = new Output(Boolean(options.json));
  try {
    const { data, human } = await body(options);
    const envelope: Envelope<T> = { schemaVersion: SCHEMA_VERSION, command, ok: true, data };
    process.stdout.write(out.json ? `${JSON.stringify(envelope)}\n` : `${human()}\n`);
  } catch (err) {
    if (out.json) {
      const envelope: Envelope<T> = { schemaVersion: SCHEMA_VERSION, command, ok: false, error: { code: errorCode(err), message: (err as Error)?.message ?? String(err), details: errorDetails(err) } };
      process.stdout.write(`${JSON.stringify(envelope)}\n`);
    }
    // The stderr line (code: message) is the same as every other command's.
    process.exitCode = new Output(false).error(err);
  }
}
