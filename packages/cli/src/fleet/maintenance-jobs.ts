import type PgBoss from 'pg-boss';
import { ensureQueue } from '@permafrost/backend-lib';
import type { ColdStorageService } from '@permafrost/plugin-cold-storage';

/** Data fixes reconcile enqueues that are not transitions: one at a time per workspace (stately, keyed). */
export const MAINTENANCE_QUEUE = 'permafrost-maintenance';
/** The reconcile cron's queue: one run at a time across the fleet (singleton). */
export const RECONCILE_QUEUE = 'permafrost-reconcile';

export type MaintenanceJob = { kind: 'archive-late' | 'restore'; workspaceId: string };

export async function createFleetQueues(boss: PgBoss): Promise<void> {
  await ensureQueue(boss, { name: MAINTENANCE_QUEUE, policy: 'stately', retryLimit: 5, retryDelay: 10, retryBackoff: true });
  await ensureQueue(boss, { name: RECONCILE_QUEUE, policy: 'singleton', retryLimit: 0 });
}

/** Enqueues a fix; false when the same fix is already waiting for this workspace. */
export async function enqueueMaintenance(boss: PgBoss, job: MaintenanceJob): Promise<boolean> {
  return (await boss.send(MAINTENANCE_QUEUE, job, { singletonKey: `${job.kind}:${job.workspaceId}` })) !== null;
}

/** Runs one fix. Both calls take the workspace's lifecycle lock and are idempotent (a retry resumes). */
export async function runMaintenance(coldStorage: ColdStorageService, job: MaintenanceJob): Promise<{ note: string }> {
  if (job.kind === 'archive-late') return { note: (await coldStorage.archiveLateEvents(job.workspaceId)).note };
  return { note: (await coldStorage.restoreWorkspaceEventsFromColdStorage(job.workspaceId)).note };
}
