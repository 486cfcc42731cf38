import { bootstrap, silentLogger, type PermafrostApp, type PermafrostPlugin } from '@permafrost/core';
import { startTestStack, type TestStack } from '@permafrost/dev-stack/testing';
import { ClickHouse } from '../clickhouse/clickhouse';
import { dataLayer, type DataLayerOptions } from '../plugin';
import { UserEventsService } from '../user-events-service';
import { WorkspaceService } from '../workspaces';

export interface TestApp {
  stack: TestStack;
  app: PermafrostApp;
  ch: ClickHouse;
  workspaces: WorkspaceService;
  events: UserEventsService;
  stop(): Promise<void>;
}

/**
 * An app booted with the data layer (plus `plugins`) on this test file's stack: the worker's chDB
 * engine, a fresh Postgres database, the run's S3. Pass `stack` to boot a second app on the same stack.
 */
export async function startTestApp(options: { plugins?: PermafrostPlugin[]; stack?: TestStack; jobs?: DataLayerOptions['jobs'] } = {}): Promise<TestApp> {
  const stack = options.stack ?? (await startTestStack());
  try {
    const app = await bootstrap({
      plugins: [
        dataLayer({
          postgresUrl: stack.postgresUrl, clickhouse: stack.clickhouse, lockTimeoutMs: 60_000, jobs: options.jobs,
          // The suite against the `cluster` compose profile: tables ON CLUSTER, Replicated.
          cluster: process.env.PERMAFROST_CLICKHOUSE_CLUSTER ? { name: process.env.PERMAFROST_CLICKHOUSE_CLUSTER } : undefined,
        }),
        ...(options.plugins ?? []),
      ],
      logger: silentLogger,
    });
    return {
      stack,
      app,
      ch: app.resolve(ClickHouse),
      workspaces: app.resolve(WorkspaceService),
      events: app.resolve(UserEventsService),
      stop: async () => {
        await app.shutdown();
        if (!options.stack) await stack.stop();
      },
    };
  } catch (err) {
    if (!options.stack) await stack.stop();
    throw err;
  }
}

/** Resolves when every mutation mentioning `needle` on `tables` is done (lightweight deletes are mutations). */
export async function waitForMutations(ch: ClickHouse, needle: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await ch.rows<{ pending: string; failure: string }>(
      `SELECT countIf(NOT is_done) AS pending, anyIf(latest_fail_reason, latest_fail_reason != '') AS failure FROM system.mutations
       WHERE database = currentDatabase() AND position(command, {needle:String}) > 0`,
      { needle },
    );
    if (row && row.failure) throw new Error(`mutation failed: ${row.failure}`);
    if (Number(row?.pending ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`mutations for ${needle} still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { snapshotWorkspace, type WorkspaceSnapshot } from '../userEvents/snapshot';

// A Dittofeed-shaped installation for tests of other packages (the CLI on `--schema dittofeed`).
export { createDittofeedClickHouseSchema, dittofeedPostgresSchema, type DittofeedClickHouseSchema } from '../dittofeed';
export { insertDittofeedEvents, insertDittofeedWorkspace } from './dittofeed';
