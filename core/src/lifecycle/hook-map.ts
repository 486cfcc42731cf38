import type { Logger } from '../logger';
import type { FromStatus, ToStatus, TransitionName } from './transitions';

/**
 * The phases of a transition, in order (the status commit sits between `before` and `after`):
 * - `check`: side-effect free; may veto. Its payload carries no data handles (no idempotency key, no
 *   progress), and it runs before any `before` handler, so a veto changes nothing.
 * - `before`: may change data; the status is not committed yet. A failure is recorded, the status stays,
 *   and the transition is retryable.
 * - `after`: the status is committed; failures are recorded and retryable.
 */
export type HookPhase = 'check' | 'before' | 'after';

/** A lifecycle hook point: `check:pause`, `before:resume`, `after:tombstone`, … (12 in all). */
export type LifecycleHookName = `${HookPhase}:${TransitionName}`;

/** What every handler of transition `T` is told, in every phase. */
export interface TransitionFacts<T extends TransitionName = TransitionName> {
  readonly transitionId: string;
  readonly workspaceId: string;
  readonly transition: T;
  readonly from: FromStatus<T>;
  readonly to: ToStatus<T>;
  /** 1 for the first run, +1 per retry of the same transition. */
  readonly attempt: number;
  /** Aborted when the caller gives up, the transition's timeout passes or this handler's own timeout does. */
  readonly signal: AbortSignal;
  /** Bound to the plugin, the hook and the transition. */
  readonly logger: Logger;
}

/** Payload of `check:<T>`: facts only. */
export interface CheckPayload<T extends TransitionName = TransitionName> extends TransitionFacts<T> {
  readonly phase: 'check';
}

/** What a data-changing handler (`before:` and `after:`) gets beside the facts. */
export interface ChangePayload<T extends TransitionName, P extends 'before' | 'after'> extends TransitionFacts<T> {
  readonly phase: P;
  /**
   * Stable across retries of this transition and unique per plugin, handler and hook point
   * (`<transitionId>/<plugin>/<handler>/<point>`): send it with any external side effect (a webhook, a
   * charge) so a retry after an ambiguous failure is deduplicated by the receiver.
   */
  readonly idempotencyKey: string;
  /** Epoch ms when the transition's timeout passes, if it has one. */
  readonly deadline?: number;
  /** Reports progress on the emitter's `progress` event (CLI bars, metrics), tagged with the plugin. */
  progress(update: ProgressUpdate): void;
}

/** Payload of `before:<T>`. */
export type BeforePayload<T extends TransitionName = TransitionName> = ChangePayload<T, 'before'>;
/** Payload of `after:<T>`. */
export type AfterPayload<T extends TransitionName = TransitionName> = ChangePayload<T, 'after'>;

/** The whole lifecycle contract: hook point → payload. `tap('after:pause', h)` type-checks `h` against `LifecycleHooks['after:pause']`. */
export type LifecycleHooks = { [T in TransitionName as `check:${T}`]: CheckPayload<T> } & { [T in TransitionName as `before:${T}`]: BeforePayload<T> } & {
  [T in TransitionName as `after:${T}`]: AfterPayload<T>;
};

/** A progress report from a handler, e.g. `{ step: 'archive:copy', done: 3, total: 12, unit: 'months' }`. */
export interface ProgressUpdate {
  /** What is being counted, e.g. `archive:copy`. */
  step: string;
  done: number;
  total?: number;
  unit?: string;
  detail?: Record<string, unknown>;
}

/** What a handler may say about its run, e.g. "nothing to do: already archived". */
export interface HookResult {
  note?: string;
  detail?: Record<string, unknown>;
}

/** A handler for payload `P`. Returned results land in the transition's outcomes. */
export type HookHandler<P> = (payload: P) => Promise<HookResult | void> | HookResult | void;

/** Ordering and limits of one tap (tapable-style: order is data on the registration). */
export interface TapOptions {
  /** Names the handler; defaults to the plugin name. Needed when a plugin taps one point twice. */
  name?: string;
  /** Lower runs first among one plugin's handlers on the point (default 0). */
  stage?: number;
  /** Run ahead of this plugin's handlers even though boot order puts it later. */
  before?: string;
  /** Fail this handler with HookTimeoutError after this long (default: bootstrap's `hookTimeoutMs`). */
  timeoutMs?: number;
}

/** Identifies one handler on one point, e.g. in `completed` lists and transition records. */
export interface HookRef {
  plugin: string;
  name: string;
  point: string;
}

/** How one handler's run went. */
export interface HookOutcome extends HookRef {
  ok: boolean;
  durationMs: number;
  note?: string;
  detail?: Record<string, unknown>;
  error?: Error;
  /** Not run: an earlier handler failed in a phase that stops at the first failure, or the run was aborted. */
  skipped?: boolean;
  /** Not run: it completed in an earlier attempt of the same transition. */
  alreadyCompleted?: boolean;
}
