import 'reflect-metadata';
import { bootstrap, silentLogger, type PermafrostApp } from '@permafrost/core';
import { ClickHouse, dataLayer, WorkspaceService } from '@permafrost/backend-lib';
import { startStack, type Stack } from '@permafrost/dev-stack';
import { coldStorage, ColdStorageService, parquetStrategy } from '@permafrost/plugin-cold-storage';

export interface BenchApp {
  stack: Stack;
  app: PermafrostApp;
  ch: ClickHouse;
  workspaces: WorkspaceService;
  coldStorage: ColdStorageService;
  close(): Promise<void>;
}

/**
 * A fresh embedded stack (or the env's servers) with the data layer and cold storage, as production boots
 * (both strategies configured; `strategy` is the default for new archives).
 */
export async function openBenchApp(name: string, pageRows?: number, fresh = true, strategy = 'table'): Promise<BenchApp> {
  const stack = await startStack({ name, fresh, database: 'permafrost_bench' });
  const app = await bootstrap({
    plugins: [
      dataLayer({ postgresUrl: stack.postgresUrl, clickhouse: stack.clickhouse }),
      coldStorage({ s3: stack.s3, strategy, strategies: [parquetStrategy], pageRows }),
    ],
    logger: silentLogger,
  });
  return {
    stack, app,
    ch: app.resolve(ClickHouse),
    workspaces: app.resolve(WorkspaceService),
    coldStorage: app.resolve(ColdStorageService),
    close: async () => {
      await app.shutdown();
      await stack.stop();
    },
  };
}
