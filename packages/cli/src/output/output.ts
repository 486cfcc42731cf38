import pc from 'picocolors';
import { errorBody, printJson, printJsonError, type ErrorBody } from './envelope';

/**
 * Where a command's answer goes: stdout gets the result (the JSON envelope with --json, a rendering for
 * people otherwise); notes, progress and error lines go to stderr, so `--json` output can be piped.
 */
export class Output {
  constructor(
    readonly command: string,
    readonly json: boolean,
  ) {}

  result<T>(data: T, human: () => string): void {
    if (this.json) printJson(this.command, data);
    else process.stdout.write(`${human()}\n`);
  }

  note(message: string): void {
    if (!this.json) process.stderr.write(`${pc.dim(message)}\n`);
  }

  /** Reports a failure: the failure envelope on stdout with --json, and one line on stderr either way. */
  fail(err: unknown): ErrorBody {
    const body = this.json ? printJsonError(this.command, err) : errorBody(err);
    const human = (err as { humanOutput?: string })?.humanOutput;
    if (!this.json && human) process.stdout.write(`${human}\n`);
    process.stderr.write(`${pc.red('error')} ${pc.bold(body.code)}: ${body.message}\n`);
    if (body.code === 'UNEXPECTED' && process.env.PERMAFROST_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
    return body;
  }
}
