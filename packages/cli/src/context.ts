import 'reflect-metadata';
import { join } from 'node:path';
import { bootstrap, createLogger, type PermafrostApp, type PermafrostPlugin } from '@permafrost/core';
import { ClickHouse, dataLayer, PgBossTransitionJobs, TRANSITION_JOBS, UserEventsService, WorkspaceService } from '@permafrost/backend-lib';
import { defaultDataRoot, readDaemon, readStackEnv, startStack, type Stack } from '@permafrost/dev-stack';
import { coldStorage, ColdStorageService } from '@permafrost/plugin-cold-storage';
import { jobOptionsFromEnv } from './fleet/job-options';
import { lockInstance } from './instance-lock';
import { STRATEGY_PLUGINS } from './strategies';

export interface GlobalOptions {
  json?: boolean;
  instance?: string;
  strategy?: string;
}

export interface CliContext {
  stack: Stack;
  app: PermafrostApp;
  ch: ClickHouse;
  workspaces: WorkspaceService;
  events: UserEventsService;
  coldStorage: ColdStorageService;
  jobs: PgBossTransitionJobs;
  close(): Promise<void>;
}

export const DEFAULT_INSTANCE = 'cli';

/**
 * The app every command runs on: the stack (servers from the environment, else the embedded ones of a
 * named instance under the data root, reusing `stack up`'s Postgres and S3 when it runs), the data
 * layer, and the cold storage plugin with the strategy plugins of ./strategies.
 */
export interface ContextOptions {
  fresh?: boolean;
  /** Extra plugins (a worker loads the fleet's own with --plugin). */
  plugins?: PermafrostPlugin[];
  /** Run pg-boss maintenance and cron here (workers). */
  supervise?: boolean;
  /** Start even when S3 does not answer (read-only inspection reports it instead of failing). */
  s3Optional?: boolean;
}

export async function openContext(options: GlobalOptions & ContextOptions): Promise<CliContext> {
  const instance = options.instance ?? DEFAULT_INSTANCE;
  const env = { ...process.env };
  const settings = readStackEnv(env);
  const daemon = settings.DATABASE_URL || settings.PERMAFROST_S3_ENDPOINT || settings.PERMAFROST_CLICKHOUSE_URL ? undefined : readDaemon(instanceDir(instance));
  if (daemon) {
    Object.assign(env, {
      DATABASE_URL: daemon.postgresUrl,
      PERMAFROST_S3_ENDPOINT: daemon.s3.endpoint,
      PERMAFROST_S3_ACCESS_KEY_ID: daemon.s3.accessKeyId,
      PERMAFROST_S3_SECRET_ACCESS_KEY: daemon.s3.secretAccessKey,
      // The instance's engine runs in `stack up`'s engine server: connect to it like to any server.
      PERMAFROST_CLICKHOUSE_URL: daemon.clickhouseUrl,
    });
  }
  const unlock = settings.PERMAFROST_CLICKHOUSE_URL || daemon
    ? async () => undefined
    : await lockInstance(instanceDir(instance), () => process.stderr.write(`waiting for another permafrost command on instance ${instance}…\n`));
  let stack: Stack;
  try {
    stack = await startStack({ name: instance, env, fresh: options.fresh, database: daemon || !settings.DATABASE_URL ? 'permafrost' : undefined, checkS3: !options.s3Optional });
  } catch (err) {
    await unlock();
    throw err;
  }
  try {
    const app = await bootstrap({
      plugins: [
        dataLayer({ postgresUrl: stack.postgresUrl, clickhouse: stack.clickhouse, jobs: jobOptionsFromEnv(env, options.supervise ?? false) }),
        coldStorage({ s3: stack.s3, strategy: options.strategy ?? 'table' }),
        ...STRATEGY_PLUGINS,
        ...(options.plugins ?? []),
      ],
      logger: createLogger({ name: 'permafrost-cli' }),
    });
    return {
      stack, app,
      ch: app.resolve(ClickHouse),
      workspaces: app.resolve(WorkspaceService),
      events: app.resolve(UserEventsService),
      coldStorage: app.resolve(ColdStorageService),
      jobs: app.resolve<PgBossTransitionJobs>(TRANSITION_JOBS),
      close: async () => {
        await app.shutdown().catch(() => undefined);
        await stack.stop();
        await unlock();
      },
    };
  } catch (err) {
    await stack.stop();
    await unlock();
    throw err;
  }
}

export function instanceDir(instance: string): string {
  const settings = readStackEnv();
  return join(settings.PERMAFROST_DATA_DIR ?? defaultDataRoot, instance);
}
