import { IllegalTransitionError } from '../errors';

/** Every status a workspace can have. */
export const WORKSPACE_STATUSES = ['Active', 'Paused', 'Tombstoned'] as const;
/** A workspace's status: `Active`, `Paused` or `Tombstoned`. */
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

/** Every lifecycle transition. */
export const TRANSITION_NAMES = ['pause', 'resume', 'tombstone', 'untombstone'] as const;
/** A lifecycle transition: `pause`, `resume`, `tombstone` or `untombstone`. */
export type TransitionName = (typeof TRANSITION_NAMES)[number];

// Literal types, so hook payloads know each transition's `from` and `to`.
const TABLE = {
  pause: { from: ['Active'], to: 'Paused' },
  resume: { from: ['Paused'], to: 'Active' },
  tombstone: { from: ['Active', 'Paused'], to: 'Tombstoned' },
  untombstone: { from: ['Tombstoned'], to: 'Active' },
} as const satisfies Record<TransitionName, { from: readonly WorkspaceStatus[]; to: WorkspaceStatus }>;

/** The whole state machine. Anything not listed (pause a Paused workspace, resume an Active one, …) is illegal. */
export const TRANSITIONS: Readonly<Record<TransitionName, { readonly from: readonly WorkspaceStatus[]; readonly to: WorkspaceStatus }>> = TABLE;

/** The statuses transition `T` starts from. */
export type FromStatus<T extends TransitionName> = (typeof TABLE)[T]['from'][number];
/** The status transition `T` leads to. */
export type ToStatus<T extends TransitionName> = (typeof TABLE)[T]['to'];

/** The status `transition` leads to from `from`, or IllegalTransitionError (nothing is changed). */
export function targetStatus(from: WorkspaceStatus, transition: TransitionName, workspaceId?: string): WorkspaceStatus {
  const rule = TRANSITIONS[transition] as (typeof TRANSITIONS)[TransitionName] | undefined; // callers may pass anything at runtime
  if (!rule || !rule.from.includes(from)) {
    const allowed = rule ? rule.from.join(' or ') : 'nothing';
    throw new IllegalTransitionError(
      `Cannot ${transition} workspace${workspaceId ? ` ${workspaceId}` : ''}: it is ${from}, and ${transition} applies to ${allowed}. Nothing was changed.`,
      { workspaceId, from, transition },
    );
  }
  return rule.to;
}
