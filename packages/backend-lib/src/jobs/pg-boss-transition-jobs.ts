import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { TransitionInProgressError } from '@permafrost/core/plugin';
import type { JobOutcome, SqlExecutor, TransitionJob, TransitionJobs, WorkOptions } from './transition-jobs';

export const TRANSITION_QUEUE = 'permafrost-transitions';
export const DEAD_LETTER_QUEUE = 'permafrost-transitions-dead';
/** pg-boss's schema unless the data layer's profile names another. */
const DEFAULT_SCHEMA = 'pgboss';
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PgBossJobsOptions {
  postgresUrl: string;
  /** pg-boss's Postgres schema (default `pgboss`; the `dittofeed` profile uses `permafrost_pgboss`). */
  schema?: string;
  /** pg-boss's own pool (separate from the data layer's 20): fetches, completions, maintenance. */
  maxConnections?: number;
  /** A job running longer than this is presumed dead (its worker crashed) and retried elsewhere. Default 3600. */
  expireInSeconds?: number;
  /** Attempts after the first before a job goes to the dead-letter queue. Default 5. */
  retryLimit?: number;
  /** First retry delay; doubles each time (pg-boss retryBackoff). Default 10. */
  retryDelaySeconds?: number;
  /** How often pg-boss fails expired jobs and archives old ones (workers only). Default 30. */
  maintenanceIntervalSeconds?: number;
  /** Run pg-boss maintenance and cron in this process (workers: true; request-only apps: false). */
  supervise?: boolean;
  /** Days finished jobs are kept in pg-boss's archive table (history). Default 7. */
  retentionDays?: number;
  /**
   * How often (1–45 s) a supervising process checks cron schedules and turns a due one into a job
   * (pg-boss's cronMonitorIntervalSeconds and cronWorkerIntervalSeconds). Default pg-boss's: 30 and 5.
   * A schedule still fires at most once a minute (cron granularity); this only bounds the delay after it is due.
   */
  cronPollSeconds?: number;
}

/**
 * TransitionJobs on pg-boss, in the same Postgres. One queue with policy `stately` and the workspace id
 * as singleton key: at most one job per workspace waiting and one running, so a workspace's transitions
 * never run side by side (no advisory lock needed to queue). Failures retry with exponential backoff;
 * a job that exhausts its retries is copied to the dead-letter queue. Started lazily: apps that never
 * queue a transition never touch pg-boss.
 */
export class PgBossTransitionJobs implements TransitionJobs {
  private started?: Promise<PgBoss>;
  /** An identifier checked here, so a constant in the SQL below, never a value. */
  private readonly schema: string;

  constructor(private readonly options: PgBossJobsOptions) {
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    if (!IDENTIFIER.test(this.schema)) throw new Error(`pg-boss schema must be a lowercase identifier, got ${JSON.stringify(this.schema)}`);
  }

  /** The started pg-boss instance (schema and queues created on first use; idempotent). */
  boss(): Promise<PgBoss> {
    return (this.started ??= this.start());
  }

  async enqueue(tx: SqlExecutor, job: TransitionJob): Promise<string> {
    const boss = await this.boss();
    // Job id = transition id: the operation id callers hold names both.
    const id = await boss.send(TRANSITION_QUEUE, job, { id: job.transitionId, singletonKey: job.workspaceId, db: tx as PgBoss.Db });
    if (!id) throw new TransitionInProgressError(`Workspace ${job.workspaceId} already has a transition job waiting; wait for it and try again.`, { workspaceId: job.workspaceId });
    return id;
  }

  async requeue(job: TransitionJob): Promise<boolean> {
    const boss = await this.boss();
    return (await boss.send(TRANSITION_QUEUE, job, { id: randomUUID(), singletonKey: job.workspaceId })) !== null;
  }

  async liveWorkspaces(): Promise<Set<string>> {
    const boss = await this.boss();
    const { rows } = await boss.getDb().executeSql(
      `SELECT DISTINCT singleton_key FROM ${this.schema}.job WHERE name = $1 AND state < 'completed' AND singleton_key IS NOT NULL`, [TRANSITION_QUEUE]);
    return new Set(rows.map((r: { singleton_key: string }) => r.singleton_key));
  }

  async isSettled(operationId: string): Promise<boolean> {
    const boss = await this.boss();
    const { rows } = await boss.getDb().executeSql(
      `SELECT 1 FROM ${this.schema}.job WHERE name = $1 AND state < 'completed' AND data->>'transitionId' = $2 LIMIT 1`, [TRANSITION_QUEUE, operationId]);
    return rows.length === 0;
  }

  async work(handler: (job: TransitionJob) => Promise<JobOutcome>, options: WorkOptions = {}): Promise<() => Promise<void>> {
    const boss = await this.boss();
    const ids: string[] = [];
    // pg-boss v10 has no team size: N pollers of one job each give N jobs at once.
    for (let i = 0; i < Math.max(1, options.concurrency ?? 2); i++) {
      let id = '';
      id = await boss.work<TransitionJob>(TRANSITION_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        try {
          return await handler(job!.data);
        } finally {
          // A poller that just got a job fetches again at once (more are likely waiting) instead of
          // sleeping out its polling interval; an empty fetch still sleeps.
          boss.notifyWorker(id);
        }
      });
      ids.push(id);
    }
    return async () => {
      for (const id of ids) await boss.offWork({ id });
    };
  }

  async close(): Promise<void> {
    if (!this.started) return;
    const boss = await this.started.catch(() => undefined);
    this.started = undefined;
    await boss?.stop({ graceful: true, wait: true, timeout: 30_000 });
  }

  private async start(): Promise<PgBoss> {
    const o = this.options;
    const supervise = o.supervise ?? false;
    // Loaded on first use: most processes (a CLI status, an app that only runs synchronous transitions)
    // never start the queue, and loading pg-boss costs ~60-170 ms of a command's start (measured).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const PgBossClass = require('pg-boss') as typeof PgBoss;
    const boss = new PgBossClass({
      connectionString: o.postgresUrl,
      max: o.maxConnections ?? 4,
      supervise,
      schedule: supervise,
      schema: this.schema,
      maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 30,
      // History: finished jobs move to pg-boss's archive table after an hour, and leave it after retentionDays.
      archiveCompletedAfterSeconds: 3600,
      deleteAfterDays: o.retentionDays ?? 7,
      ...(o.cronPollSeconds === undefined ? {} : { cronMonitorIntervalSeconds: o.cronPollSeconds, cronWorkerIntervalSeconds: o.cronPollSeconds }),
    });
    boss.on('error', () => undefined); // fetch/maintenance hiccups are retried by pg-boss itself
    await boss.start();
    await ensureQueue(boss, { name: DEAD_LETTER_QUEUE });
    // createQueue keeps an existing queue's settings: the first process to create it decides them.
    await ensureQueue(boss, {
      name: TRANSITION_QUEUE,
      policy: 'stately',
      retryLimit: o.retryLimit ?? 5,
      retryDelay: o.retryDelaySeconds ?? 10,
      retryBackoff: true,
      expireInSeconds: o.expireInSeconds ?? 3600,
      deadLetter: DEAD_LETTER_QUEUE,
    });
    return boss;
  }
}

/**
 * Creates a queue unless it exists. pg-boss creates a table per queue, and processes booting at once
 * (a fleet of workers on a fresh database) can deadlock or collide doing it: whoever loses finds the
 * queue made by the winner, or tries again. An existing queue keeps its settings.
 */
export async function ensureQueue(boss: PgBoss, queue: PgBoss.Queue): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(queue.name)) return;
    try {
      await boss.createQueue(queue.name, queue);
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
    }
  }
}
