import 'reflect-metadata';
import { bootstrap, createLogger, type PermafrostApp, type PermafrostPlugin } from '@permafrost/core';
import { ClickHouse, dataLayer, PgBossTransitionJobs, TRANSITION_JOBS, UserEventsService, WorkspaceService } from '@permafrost/backend-lib';
import { coldStorage, ColdStorageService } from '@permafrost/plugin-cold-storage';
import { jobOptionsFromEnv } from './fleet/job-options';
import { DEFAULT_INSTANCE } from './instance';
import type { GlobalOptions } from './program/options';
import { openServers, type OpenedServers } from './servers';
import { STRATEGY_PLUGINS } from './strategies';

export interface CliContext {
  stack: OpenedServers['servers'];
  source: OpenedServers['source'];
  app: PermafrostApp;
  ch: ClickHouse;
  workspaces: WorkspaceService;
  events: UserEventsService;
  coldStorage: ColdStorageService;
  jobs: PgBossTransitionJobs;
  close(): Promise<void>;
}

export interface ContextOptions {
  /** The command, named to a command that waits for this one's instance lock. */
  command: string;
  fresh?: boolean;
  /** Read-only commands (status, plan) skip the S3 write probe at connect. */
  readOnly?: boolean;
  /** Extra plugins (a worker loads the fleet's own with --plugin). */
  plugins?: PermafrostPlugin[];
  /** Run pg-boss maintenance and cron here (workers). */
  supervise?: boolean;
}

/**
 * The app a command runs on: the servers (see ./servers), the data layer, and the cold storage plugin
 * with the strategy plugins of ./strategies.
 */
export async function openContext(options: GlobalOptions & ContextOptions): Promise<CliContext> {
  const instance = options.instance ?? DEFAULT_INSTANCE;
  const opened = await openServers({
    instance,
    command: options.command,
    fresh: options.fresh,
    probeS3: !options.readOnly,
    onWait: (message) => process.stderr.write(`${message}\n`),
  });
  const stack = opened.servers;
  try {
    const app = await bootstrap({
      plugins: [
        dataLayer({
          schema: options.schema ?? 'permafrost',
          postgresUrl: stack.postgresUrl, clickhouse: stack.clickhouse, jobs: jobOptionsFromEnv(process.env, options.supervise ?? false),
          // README "Running on a ClickHouse cluster": tables ON CLUSTER, Replicated.
          cluster: process.env.PERMAFROST_CLICKHOUSE_CLUSTER ? { name: process.env.PERMAFROST_CLICKHOUSE_CLUSTER } : undefined,
        }),
        coldStorage({ s3: stack.s3, strategy: options.strategy ?? 'table' }),
        ...STRATEGY_PLUGINS,
        ...(options.plugins ?? []),
      ],
      logger: createLogger({ name: 'permafrost-cli' }),
    });
    return {
      stack, app, source: opened.source,
      ch: app.resolve(ClickHouse),
      workspaces: app.resolve(WorkspaceService),
      events: app.resolve(UserEventsService),
      coldStorage: app.resolve(ColdStorageService),
      jobs: app.resolve<PgBossTransitionJobs>(TRANSITION_JOBS),
      close: async () => {
        await app.shutdown().catch(() => undefined);
        await opened.close();
      },
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}

/** Runs `body` on an open context and closes it whatever happens. */
export async function withContext<T>(options: GlobalOptions & ContextOptions, body: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(options);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
