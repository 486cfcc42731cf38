import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { FailedHook, HookRef, TransitionName, TransitionPhase, WorkspaceStatus } from '@permafrost/core/plugin';

export const WorkspaceStatusEnum = {
  Active: 'Active',
  Paused: 'Paused',
  Tombstoned: 'Tombstoned',
} as const satisfies Record<WorkspaceStatus, WorkspaceStatus>;

export const COLD_STORAGE_STATES = ['none', 'archiving', 'archived', 'restoring', 'failed'] as const;
export type ColdStorageState = (typeof COLD_STORAGE_STATES)[number];

@Entity({ name: 'workspace' })
@Index('workspace_external_id_key', ['externalId'], { unique: true, where: '"external_id" IS NOT NULL' })
export class Workspace {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  name: string;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  @Column({ type: 'enum', enum: Object.values(WorkspaceStatusEnum), enumName: 'workspace_status', default: 'Active' })
  status: WorkspaceStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /**
   * Where the workspace's events are, as cold storage last left them: `none` (hot), `archiving`,
   * `archived`, `restoring`, `failed`. Declared here, by the table's owner; the cold-storage plugin
   * keeps its own bookkeeping (operations, steps) in tables of its own.
   */
  @Column({ name: 'cold_storage_state', type: 'enum', enum: COLD_STORAGE_STATES, enumName: 'cold_storage_state', default: 'none' })
  coldStorageState: ColdStorageState;

  /** The strategy holding the workspace's cold copy (a workspace is restored by the one that archived it). */
  @Column({ name: 'cold_storage_strategy', type: 'text', nullable: true })
  coldStorageStrategy: string | null;
}

/** One row per lifecycle transition: what ran, how far it got, and what a retry must finish. */
@Entity({ name: 'workspace_transition' })
@Index('workspace_transition_workspace_idx', ['workspaceId', 'seq'])
export class WorkspaceTransition {
  @PrimaryColumn('uuid', { name: 'id' })
  transitionId: string;

  /** Creation order; timestamps tie when two transitions start within a millisecond. */
  @Column({ type: 'bigint', insert: false, update: false, select: false })
  seq: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'text' })
  transition: TransitionName;

  @Column({ name: 'from_status', type: 'text' })
  from: WorkspaceStatus;

  @Column({ name: 'to_status', type: 'text' })
  to: WorkspaceStatus;

  @Column({ type: 'text' })
  state: 'queued' | 'running' | 'completed' | 'failed';

  @Column({ type: 'text' })
  phase: TransitionPhase;

  @Column({ type: 'int' })
  attempt: number;

  /** Handlers that finished (before and after): a retry skips them, so non-idempotent work runs once. */
  @Column({ name: 'completed_hooks', type: 'jsonb', default: () => "'[]'::jsonb" })
  completedHooks: HookRef[];

  @Column({ name: 'failed_hooks', type: 'jsonb', default: () => "'[]'::jsonb" })
  failedHooks: FailedHook[];

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** The stable code of `error` (HOOK_FAILED, TRANSITION_VETOED, …). */
  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode: string | null;

  /** Every failed attempt (a retry clears `error` and `error_code`, not these); `at` as ISO text in JSON. */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  failures: Array<{ attempt: number; phase: TransitionPhase; code: string; message: string; failedHooks: FailedHook[]; at: string | Date }>;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

export const backendEntities = [Workspace, WorkspaceTransition];
