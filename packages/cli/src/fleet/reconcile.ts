import { DataSource } from 'typeorm';
import type { PermafrostApp } from '@permafrost/core';
import { WorkspaceTable, type PgBossTransitionJobs, type TransitionJob } from '@permafrost/backend-lib';
import type { ColdStorageService } from '@permafrost/plugin-cold-storage';
import { createFleetQueues, enqueueMaintenance } from './maintenance-jobs';

export type Problem = 'hot-events-while-inactive' | 'cold-events-while-active' | 'stuck-transition';

export interface Finding {
  workspaceId: string;
  status: string;
  problem: Problem;
  detail: string;
  fix: 'archive-late' | 'restore' | 'retry-transition';
  /** False on a dry run, or when the same fix was already waiting. */
  enqueued: boolean;
}

export interface ReconcileReport {
  checked: number;
  findings: Finding[];
  dryRun: boolean;
  durationMs: number;
}

export interface ReconcileDeps {
  dataSource: DataSource;
  /** The platform's workspace table (names from the schema profile: ours, or Dittofeed's "Workspace"). */
  workspaces: WorkspaceTable;
  coldStorage: ColdStorageService;
  jobs: PgBossTransitionJobs;
}

/** The dependencies of reconcile from a booted app (the command and the workers' cron alike). */
export function reconcileDeps(ctx: { app: Pick<PermafrostApp, 'resolve'>; coldStorage: ColdStorageService; jobs: PgBossTransitionJobs }): ReconcileDeps {
  return { dataSource: ctx.app.resolve(DataSource), workspaces: ctx.app.resolve(WorkspaceTable), coldStorage: ctx.coldStorage, jobs: ctx.jobs };
}

/**
 * Finds workspaces whose data disagrees with their status and enqueues the fix: a Paused or Tombstoned
 * workspace with hot events (rows written after its archive) gets an archive of late events; an Active
 * one with cold events gets a restore; a transition left queued, running or failed with no job waiting
 * or running gets a job that finishes it. The CLI command and the workers' cron run this same function.
 */
export async function reconcile(deps: ReconcileDeps, options: { dryRun?: boolean } = {}): Promise<ReconcileReport> {
  const started = Date.now();
  const dryRun = options.dryRun ?? false;
  const boss = await deps.jobs.boss();
  await createFleetQueues(boss);
  const findings: Finding[] = [];
  const live = await deps.jobs.liveWorkspaces();

  // Latest transition per workspace, unfinished, with no job that will finish it.
  const w = deps.workspaces.sql;
  const stuck: Array<{ id: string; workspace_id: string; transition: TransitionJob['transition']; state: string; phase: string; from_status: string; to_status: string; stored_status: string }> = await deps.dataSource.query(
    `SELECT DISTINCT ON (t.workspace_id) t.id, t.workspace_id::text AS workspace_id, t.transition, t.state, t.phase, t.from_status, t.to_status, w.${w.status}::text AS stored_status
       FROM workspace_transition t JOIN ${w.table} w ON w.${w.id} = t.workspace_id
      ORDER BY t.workspace_id, t.seq DESC`);
  for (const row of stuck) {
    if (row.state === 'completed' || live.has(row.workspace_id)) continue;
    // Transitions record Permafrost's status names; the row holds the platform's value.
    const r = { ...row, status: deps.workspaces.statusOf(row.stored_status, row.workspace_id) };
    // Not stuck, just over: a veto (nothing to finish) or a status that moved on (can never finish).
    if (r.phase === 'check' || (r.status !== r.from_status && r.status !== r.to_status)) continue;
    const enqueued = !dryRun && (await deps.jobs.requeue({ transitionId: r.id, workspaceId: r.workspace_id, transition: r.transition }));
    findings.push({ workspaceId: r.workspace_id, status: r.status, problem: 'stuck-transition', detail: `${r.transition} ${r.id} is ${r.state} with no job`, fix: 'retry-transition', enqueued });
  }
  const busy = new Set([...live, ...findings.map((f) => f.workspaceId)]);

  const workspaces = (await deps.workspaces.list()).map((r) => ({ id: r.id, status: r.status, cold_storage_state: r.coldStorageState, cold_storage_strategy: r.coldStorageStrategy }));
  // Hot and cold counts of the whole fleet in a few grouped reads (a plan per workspace read part metadata
  // that grows with the fleet: measured 7+ minutes for 1,000 workspaces on 2 cores).
  const candidates = workspaces.filter((w) => !busy.has(w.id));
  const rows = await deps.coldStorage.fleetRows(candidates.map((w) => ({ id: w.id, coldStorageState: w.cold_storage_state, coldStorageStrategy: w.cold_storage_strategy })));
  for (const w of candidates) {
    const { hot, cold } = rows.get(w.id)!;
    const active = w.status === 'Active';
    if (!active && hot > 0) {
      const enqueued = !dryRun && (await enqueueMaintenance(boss, { kind: 'archive-late', workspaceId: w.id }));
      findings.push({ workspaceId: w.id, status: w.status, problem: 'hot-events-while-inactive', detail: `${hot} hot events`, fix: 'archive-late', enqueued });
    } else if (active && cold > 0) {
      const enqueued = !dryRun && (await enqueueMaintenance(boss, { kind: 'restore', workspaceId: w.id }));
      findings.push({ workspaceId: w.id, status: w.status, problem: 'cold-events-while-active', detail: `${cold} cold events`, fix: 'restore', enqueued });
    }
  }
  return { checked: workspaces.length, findings, dryRun, durationMs: Date.now() - started };
}
