import { bootstrap, silentLogger, type PermafrostApp } from '@permafrost/core';
import { ClickHouse, dataLayer, WorkspaceService } from '@permafrost/backend-lib';
import { startStack, type Stack } from '@permafrost/dev-stack';
import { coldStorage, ColdStorageService, parquetStrategy } from '@permafrost/plugin-cold-storage';
import type { StrategyName } from './types';

/**
 * Where the system under test lives. The parent and its crash workers open the SAME engine directory
 * (one process at a time: chDB binds a directory to one process) and the same Postgres database and S3,
 * which run as servers outside both (named by the environment), so closing the engine stops nothing else.
 */
export interface SutConfig {
  dataRoot?: string;
  /** Engine instance folder under the data root. */
  name: string;
  database: string;
  strategy: StrategyName;
}

export interface Sut {
  stack: Stack;
  app: PermafrostApp;
  ch: ClickHouse;
  workspaces: WorkspaceService;
  cold: ColdStorageService;
  close(): Promise<void>;
}

/** Small pages so a restore of a few rows still pages (more code paths, more progress events to crash at). */
const PAGE_ROWS = 4;

export async function openSut(config: SutConfig): Promise<Sut> {
  const stack = await startStack({ dataRoot: config.dataRoot, name: config.name, database: config.database });
  try {
    const app = await bootstrap({
      plugins: [
        dataLayer({ postgresUrl: stack.postgresUrl, clickhouse: stack.clickhouse, lockTimeoutMs: 60_000 }),
        coldStorage({ s3: stack.s3, strategy: config.strategy, strategies: [parquetStrategy], pageRows: PAGE_ROWS }),
      ],
      logger: silentLogger,
    });
    return {
      stack, app,
      ch: app.resolve(ClickHouse),
      workspaces: app.resolve(WorkspaceService),
      cold: app.resolve(ColdStorageService),
      close: async () => {
        await app.shutdown().catch(() => undefined);
        await stack.stop();
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
