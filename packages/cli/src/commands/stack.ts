import type { Command } from 'commander';
import { readStackEnv, startDaemon, stopDaemon } from '@permafrost/dev-stack';
import { DEFAULT_INSTANCE, instanceDir } from '../context';
import { run } from '../run';

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('the embedded Postgres, S3 and ClickHouse in the background, shared by every command');
  stack
    .command('up')
    .description('start the embedded Postgres, S3 and ClickHouse (engine server) in the background and print where they answer')
    .action(() => run(program, async (options, out) => {
      const settings = readStackEnv();
      const dir = instanceDir(options.instance ?? DEFAULT_INSTANCE);
      const state = await startDaemon(dir, settings.PERMAFROST_S3_BUCKET, settings.PERMAFROST_S3_PREFIX, settings.PERMAFROST_S3_RETRY_ATTEMPTS);
      out.result({ ...state, s3: { ...state.s3, secretAccessKey: '***' }, dataDir: dir }, () => [
        `stack up (pid ${state.pid}, data in ${dir})`,
        `  postgres:   ${state.postgresUrl}`,
        `  s3:         ${state.s3.endpoint}/${state.s3.bucket}`,
        `  clickhouse: ${state.clickhouseUrl} (embedded engine shared by every command, pid ${state.enginePid}, data in ${dir}/clickhouse)`,
        'stop it with: permafrost stack down',
      ].join('\n'));
    }));
  stack
    .command('down')
    .description('stop the background stack')
    .action(() => run(program, async (options, out) => {
      const stopped = await stopDaemon(instanceDir(options.instance ?? DEFAULT_INSTANCE));
      out.result({ stopped }, () => (stopped ? 'stack stopped' : 'no stack was running'));
    }));
}
