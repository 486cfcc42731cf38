#!/usr/bin/env node
import { Command } from 'commander';
import { runSmoke } from './smoke';
import { redactUrl, StackConfigError } from '@permafrost/backend-lib/servers';
import { startStack, type Stack } from './stack';

/**
 * `permafrost-stack smoke`: start the stack (embedded unless env vars name servers), round-trip one
 * event through the S3 cold policy, stop. `permafrost-stack up`: start and hold until killed.
 */
const program = new Command('permafrost-stack')
  .description('Embedded ClickHouse (chDB) + Postgres + S3 for Permafrost')
  .option('--json', 'machine-readable output on stdout')
  .option('--name <name>', 'instance folder under the data root (default: per process)')
  .option('--fresh', 'wipe the instance data first');

program.command('smoke').description('start, round-trip one event through the S3 cold policy, stop').action(async () => {
  const opts = program.opts<{ json?: boolean; name?: string; fresh?: boolean }>();
  const stack = await startStack({ name: opts.name, fresh: opts.fresh ?? true });
  try {
    const result = await runSmoke(stack);
    print(opts.json, { ...result, modes: stack.modes }, `${result.ok ? 'PASS' : 'FAIL'} smoke: ${result.objectsWritten} objects written to s3://${stack.s3.bucket}, round trip ${result.roundTripIdentical ? 'identical' : 'DIFFERENT'}, ${result.durationMs} ms (clickhouse ${stack.modes.clickhouse}, postgres ${stack.modes.postgres}, s3 ${stack.modes.s3})`);
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    await stack.stop();
  }
});

program.command('up').description('start the stack and keep it running until interrupted').action(async () => {
  const opts = program.opts<{ json?: boolean; name?: string; fresh?: boolean }>();
  const stack: Stack = await startStack({ name: opts.name, fresh: opts.fresh });
  // No secrets on the screen: the password masked, the S3 keys left out (s3rver's key and secret are equal).
  const { accessKeyId: _key, secretAccessKey: _secret, ...s3 } = stack.s3;
  print(opts.json, { pid: process.pid, postgresUrl: redactUrl(stack.postgresUrl), s3, dataDir: stack.dataDir, modes: stack.modes },
    `stack up (pid ${process.pid})\n  postgres: ${redactUrl(stack.postgresUrl)}\n  s3:       ${stack.s3.endpoint}/${stack.s3.bucket}\n  data:     ${stack.dataDir}\nCtrl-C to stop.`);
  const stop = () => void stack.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise(() => undefined);
});

function print(json: boolean | undefined, value: unknown, human: string): void {
  if (json) process.stdout.write(JSON.stringify(value) + '\n');
  else process.stdout.write(human + '\n');
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof StackConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
