import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { bootstrap, silentLogger, type PermafrostApp } from '@permafrost/core';
import { ClickHouse, dataLayer, WorkspaceService } from '@permafrost/backend-lib';
import { coldStorage, coldStorageStrategy, parquetStrategy } from '@permafrost/plugin-cold-storage';
import type { FleetStack } from './fleet-stack';

export interface FleetApp {
  app: PermafrostApp;
  ch: ClickHouse;
  db: DataSource;
  workspaces: WorkspaceService;
  close(): Promise<void>;
}

/**
 * The requesting side of a fleet: the plugins `permafrost worker` boots (data layer, cold storage with
 * the table strategy, the parquet strategy plugin), so requests run the same check hooks workers expect.
 * Not a supervisor: pg-boss maintenance and cron run in the workers.
 */
export async function openFleetApp(fleet: FleetStack): Promise<FleetApp> {
  const app = await bootstrap({
    plugins: [
      dataLayer({ postgresUrl: fleet.postgresUrl, clickhouse: fleet.stack.clickhouse, jobs: { supervise: false } }),
      coldStorage({ s3: fleet.s3, strategy: 'table' }),
      coldStorageStrategy(parquetStrategy),
    ],
    logger: silentLogger,
  });
  return {
    app,
    ch: app.resolve(ClickHouse),
    db: app.resolve(DataSource),
    workspaces: app.resolve(WorkspaceService),
    close: () => app.shutdown(),
  };
}
