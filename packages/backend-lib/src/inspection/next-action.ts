import type { WorkspaceStatus } from '@permafrost/core/plugin';
import type { NextAction } from './types';

/** What the next action is computed from; null numbers were not measured (or their store did not answer). */
export interface NextActionFacts {
  workspaceId: string;
  status: WorkspaceStatus;
  /** The workspace's latest transition record. */
  latestTransition: { id: string; transition: string; state: string; phase: string; from: string; to: string } | null;
  /** A process holds the workspace's lifecycle lock: a transition (or an archive of late events) runs now. */
  lockHeld: boolean;
  /** The latest cold-storage operation (archive, restore). */
  latestOperation: { id: string; operation: string; state: string } | null;
  hotRows: number | null;
  coldRows: number | null;
}

const unfinished = (state: string) => state !== 'completed' && state !== 'superseded';

/**
 * The one place that decides what a workspace needs next, from facts alone (no I/O), in this order:
 *  1. its latest transition is unfinished: wait for it (queued, or running under the lock), or retry it
 *     (failed, or left running by a dead process) — unless nothing can finish it (a veto, a status that moved on);
 *  2. a cold-storage operation is unfinished outside any transition (an archive of late events, a
 *     reconcile restore): finish it the way it was started;
 *  3. its data disagrees with its status: hot rows while Paused or Tombstoned → archive; cold rows while
 *     Active → restore (reconcile queues it);
 *  4. otherwise nothing.
 */
export function nextAction(f: NextActionFacts): NextAction {
  const ws = f.workspaceId;
  const t = f.latestTransition;
  if (t && unfinished(t.state) && t.phase !== 'check' && (f.status === t.from || f.status === t.to)) {
    if (t.state === 'queued') {
      return { action: 'wait', operation: t.transition, targetId: t.id, command: `permafrost wait ${t.id}`, reason: `${t.transition} ${t.id} is queued; a worker runs it` };
    }
    if (t.state === 'running' && f.lockHeld) {
      return { action: 'wait', operation: t.transition, targetId: t.id, command: null, reason: `${t.transition} ${t.id} is running now (a process holds the workspace's lock)` };
    }
    const why = t.state === 'running' ? 'was left running by a process that stopped' : `failed in its ${t.phase} phase`;
    return { action: 'retry', operation: t.transition, targetId: t.id, command: `permafrost retry ${ws}`, reason: `${t.transition} ${t.id} ${why}; retry runs only what did not complete` };
  }
  const op = f.latestOperation;
  if (op && unfinished(op.state)) {
    if (op.state === 'running' && f.lockHeld) {
      return { action: 'wait', operation: op.operation, targetId: op.id, command: null, reason: `${op.operation} ${op.id} is running now` };
    }
    const stopped = `${op.operation} ${op.id} is ${op.state === 'running' ? 'unfinished (its process stopped)' : 'failed'}`;
    if (f.status === 'Active') {
      // Cold storage finishes an unfinished archive before it restores, so one restore settles either kind.
      return { action: 'restore', operation: op.operation, targetId: op.id, command: 'permafrost reconcile', reason: `${stopped} and the workspace is Active; reconcile queues the restore that finishes it` };
    }
    if (op.operation === 'restore') {
      // Restores of a Paused or Tombstoned workspace come from a resume or untombstone: finish that.
      const again = f.status === 'Paused' ? 'resume' : 'untombstone';
      return { action: again, operation: op.operation, targetId: op.id, command: `permafrost ${again} ${ws}`, reason: `${stopped}; ${again} finishes the restore` };
    }
    return { action: 'retry', operation: op.operation, targetId: op.id, command: `permafrost archive ${ws}`, reason: `${stopped}; archive resumes it where its steps stopped` };
  }
  if (f.status !== 'Active' && f.hotRows !== null && f.hotRows > 0) {
    return { action: 'archive', operation: null, targetId: null, command: `permafrost archive ${ws}`, reason: `${f.hotRows} hot events while ${f.status} (written after its archive)` };
  }
  if (f.status === 'Active' && f.coldRows !== null && f.coldRows > 0) {
    return { action: 'restore', operation: null, targetId: null, command: 'permafrost reconcile', reason: `${f.coldRows} cold events while Active; reconcile queues their restore` };
  }
  const unknown = [f.hotRows === null && f.status !== 'Active' ? 'hot rows' : '', f.coldRows === null && f.status === 'Active' ? 'cold rows' : ''].filter(Boolean);
  return { action: 'none', operation: null, targetId: null, command: null, reason: unknown.length > 0 ? `nothing unfinished (${unknown.join(' and ')} not known)` : 'nothing unfinished; data matches the status' };
}

/** `retry pause`, `archive`, `none`: the action as one phrase. */
export function describeAction(a: NextAction): string {
  return a.operation && (a.action === 'retry' || a.action === 'wait') ? `${a.action} ${a.operation}` : a.action;
}
