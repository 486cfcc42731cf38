import type { HookOutcome, TransitionResult } from '@permafrost/core';
import type { OperationResult, Workspace } from '@permafrost/backend-lib';

/**
 * The JSON shapes commands share (schemas/defs.schema.json describes them): one operation shape for a
 * transition however it was run or waited for; durations in whole milliseconds.
 */
export interface HookJson {
  point: string;
  plugin: string;
  name: string;
  ok: boolean;
  durationMs: number;
  note?: string;
  skipped?: boolean;
  alreadyCompleted?: boolean;
  error?: string;
}

export interface OperationJson {
  operationId: string;
  workspaceId: string;
  transition: string;
  state: 'queued' | 'completed' | 'failed';
  from?: string;
  to?: string;
  attempt?: number;
  durationMs?: number;
  hooks?: HookJson[];
  error?: string;
}

export interface WorkspaceJson {
  id: string;
  name: string;
  externalId: string | null;
  status: string;
  createdAt: string;
}

export const ms = (n: number): number => Math.round(n);

export function hookJson(o: HookOutcome): HookJson {
  return {
    point: o.point, plugin: o.plugin, name: o.name, ok: o.ok, durationMs: ms(o.durationMs),
    ...(o.note !== undefined ? { note: o.note } : {}),
    ...(o.skipped ? { skipped: true } : {}),
    ...(o.alreadyCompleted ? { alreadyCompleted: true } : {}),
    ...(o.error ? { error: o.error.message } : {}),
  };
}

/** A transition run here, to its end. */
export function completedOperation(r: TransitionResult): OperationJson {
  return {
    operationId: r.transitionId, workspaceId: r.workspaceId, transition: r.transition, state: 'completed',
    from: r.from, to: r.to, attempt: r.attempt, durationMs: ms(r.durationMs), hooks: r.outcomes.map(hookJson),
  };
}

/** A transition a worker ran, as `wait` found it. */
export function waitedOperation(r: OperationResult): OperationJson {
  return {
    operationId: r.operationId, workspaceId: r.workspaceId, transition: r.transition, state: r.state,
    from: r.from, to: r.to, attempt: r.attempt, ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

export function workspaceJson(w: Workspace): WorkspaceJson {
  return { id: w.id, name: w.name, externalId: w.externalId, status: w.status, createdAt: new Date(w.createdAt).toISOString() };
}
