import { HookFailedError, IllegalTransitionError, TransitionVetoedError } from '../errors';
import type { HookOutcome, HookRef } from './hook-map';
import type { TransitionRecord } from './state-store';

const list = (refs: readonly HookRef[]) => refs.map((r) => `${r.plugin}/${r.name} (${r.point})`).join(', ');

/** A check handler refused: say who and why, and that nothing was changed. */
export function vetoError(record: TransitionRecord, first: HookOutcome, outcomes: HookOutcome[]): TransitionVetoedError {
  return new TransitionVetoedError(
    `${record.transition} of workspace ${record.workspaceId} was vetoed by ${first.plugin} in ${first.point}: ${first.error?.message}. Nothing was changed; the workspace is still ${record.from}. Run ${record.transition} again once the reason is gone.`,
    { workspaceId: record.workspaceId, plugin: first.plugin, hook: first.point, cause: first.error, outcomes },
  );
}

/**
 * A before/after handler failed: say who, what had already been done (so the caller knows what changed),
 * where the status is, and that retryTransition finishes it running only what did not complete.
 */
export function hookFailure(record: TransitionRecord, statusChanged: boolean, failed: HookOutcome[], outcomes: HookOutcome[]): HookFailedError {
  const first = failed[0]!;
  const done = record.completedHooks.length > 0 ? `Already done: ${list(record.completedHooks)}.` : 'No handler had completed.';
  const where = statusChanged
    ? `The status was committed: the workspace is ${record.to}.`
    : `The status was not committed: the workspace is still ${record.from}.`;
  return new HookFailedError(
    `${record.transition} of workspace ${record.workspaceId}: ${first.plugin} failed in ${first.point}: ${first.error?.message}. ${done} ${where} Fix the cause and run retryTransition to finish the ${record.transition}: only handlers that did not complete run again.`,
    { workspaceId: record.workspaceId, plugin: first.plugin, hook: first.point, point: first.point, cause: first.error, statusChanged, completed: [...record.completedHooks], outcomes },
  );
}

/**
 * An illegal transition whose cause is an unfinished one: a pause that crashed after its status commit
 * leaves the workspace Paused, so pausing again is illegal, yet the first pause's after: hooks (the
 * archive) never ran. Say which transition is unfinished and what finishes it, or the operator only
 * hears "Nothing was changed". Records that cannot be finished (a veto, a status that moved on) add nothing.
 */
export function illegalWithUnfinished(err: unknown, pending: TransitionRecord | undefined, status: string): unknown {
  if (!(err instanceof IllegalTransitionError) || !pending || pending.phase === 'check') return err;
  if (status !== pending.from && status !== pending.to) return err;
  const { transitionId: id, workspaceId } = pending;
  const hint = pending.state === 'queued'
    ? ` Transition ${id} (${pending.transition}) is queued and unfinished: a worker runs it; \`permafrost wait ${id}\` waits for it.`
    : ` Transition ${id} (${pending.transition}, ${pending.state} in its ${pending.phase} phase, attempt ${pending.attempt}) is unfinished: \`permafrost retry ${workspaceId}\` (retryTransition) finishes it.`;
  return new IllegalTransitionError(`${err.message}${hint}`, { workspaceId: err.workspaceId, from: err.from, transition: err.transition, unfinishedTransitionId: id });
}
