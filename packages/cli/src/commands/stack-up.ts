import { rmSync } from 'node:fs';
import { readStackEnv, readStackState, redactUrl, stackStatePath, type StackState } from '@permafrost/backend-lib/servers';
import { ForceRequiredError, InstanceRunningError } from '../errors';
import { DEFAULT_INSTANCE, instanceDir, instanceHasData } from '../instance';
import { lockInstance } from '../instance-lock';
import type { CommandIO } from '../program/lazy-action';
import { loadDevStack } from '../servers';

/**
 * Starts the instance's Postgres, S3 and shared ClickHouse engine in the background (or finds them
 * running). Prints where they answer without secrets: the Postgres password is masked and the S3 keys
 * are left out; the state file it names (mode 0600) has them.
 */
export async function run(io: CommandIO, cmd: { fresh?: boolean; force?: boolean }): Promise<void> {
  const instance = io.options.instance ?? DEFAULT_INSTANCE;
  const dir = instanceDir(instance);
  const running = readStackState(dir);
  if (cmd.fresh && running) {
    throw new InstanceRunningError(`stack up --fresh would wipe instance ${instance} while its stack runs (pid ${running.pid}): stop it first with \`permafrost --instance ${instance} stack down\`. Nothing was changed.`, { instance, pid: running.pid });
  }
  if (cmd.fresh && !cmd.force && instanceHasData(dir)) {
    throw new ForceRequiredError(`stack up --fresh would wipe instance ${instance}'s data in ${dir}: pass --force to wipe it, or leave out --fresh to keep it. Nothing was changed.`, { instance, dataDir: dir });
  }
  let state: StackState | undefined = running;
  if (!state) {
    const settings = readStackEnv();
    const { startDaemon } = await loadDevStack();
    // A command running on this instance's engine in its own process holds the data directory: wait for it.
    const unlock = await lockInstance(dir, { instance, command: 'stack up', onWait: (m) => process.stderr.write(`${m}\n`) });
    try {
      if (cmd.fresh) rmSync(dir, { recursive: true, force: true });
      state = await startDaemon(dir, settings.PERMAFROST_S3_BUCKET, settings.PERMAFROST_S3_PREFIX, settings.PERMAFROST_S3_RETRY_ATTEMPTS);
    } finally {
      await unlock();
    }
  }
  const data = {
    instance,
    alreadyRunning: running !== undefined,
    pid: state.pid,
    enginePid: state.enginePid,
    dataDir: dir,
    settingsFile: stackStatePath(dir),
    postgresUrl: redactUrl(state.postgresUrl),
    clickhouseUrl: state.clickhouseUrl,
    s3: { endpoint: state.s3.endpoint, bucket: state.s3.bucket, prefix: state.s3.prefix },
    startedAt: state.startedAt,
  };
  io.out.result(data, () => [
    `stack ${data.alreadyRunning ? 'already running' : 'up'} (pid ${data.pid}, data in ${dir})`,
    `  postgres:   ${data.postgresUrl}`,
    `  s3:         ${data.s3.endpoint}/${data.s3.bucket} (prefix ${data.s3.prefix})`,
    `  clickhouse: ${data.clickhouseUrl} (embedded engine shared by every command, pid ${data.enginePid})`,
    `full settings (password, S3 keys): ${data.settingsFile} (readable by you only)`,
    `stop it with: permafrost${instance === DEFAULT_INSTANCE ? '' : ` --instance ${instance}`} stack down`,
  ].join('\n'));
}
