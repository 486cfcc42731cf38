import { IllegalTransitionError } from '../errors';

export const WORKSPACE_STATUSES = ['Active', 'Paused', 'Tombstoned'] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

export const TRANSITION_NAMES = ['pause', 'resume', 'tombstone', 'untombstone'] as const;
export type TransitionName = (typeof TRANSITION_NAMES)[number];

/** The whole state machine. Anything not listed (pause a Paused workspace, resume an Active one, …) is illegal. */
export const TRANSITIONS: Readonly<Record<TransitionName, { from: readonly WorkspaceStatus[]; to: WorkspaceStatus }>> = {
  pause: { from: ['Active'], to: 'Paused' },
  resume: { from: ['Paused'], to: 'Active' },
  tombstone: { from: ['Active', 'Paused'], to: 'Tombstoned' },
  untombstone: { from: ['Tombstoned'], to: 'Active' },
};

export function isTransitionName(value: unknown): value is TransitionName {
  return typeof value === 'string' && (TRANSITION_NAMES as readonly string[]).includes(value);
}

/** The status `transition` leads to from `from`, or IllegalTransitionError (nothing is changed). */
export function targetStatus(from: WorkspaceStatus, transition: TransitionName, workspaceId?: string): WorkspaceStatus {
  const rule = TRANSITIONS[transition];
  if (!rule || !rule.from.includes(from)) {
    const allowed = rule ? rule.from.join(' or ') : 'nothing';
    throw new IllegalTransitionError(
      `Cannot ${transition} workspace${workspaceId ? ` ${workspaceId}` : ''}: it is ${from}, and ${transition} applies to ${allowed}. Nothing was changed.`,
      { workspaceId, from, transition },
    );
  }
  return rule.to;
}
