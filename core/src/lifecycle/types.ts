import type { Logger } from '../logger';
import type { TransitionName, WorkspaceStatus } from './transitions';

/**
 * `before` handlers run before the status commit and may veto it (an error aborts the transition,
 * nothing changes). `after` handlers run once the new status is committed; their failures are recorded
 * and retried, never rolled back.
 */
export type HookPhase = 'before' | 'after';
export type HookPoint = `${HookPhase}:${TransitionName}`;

export interface ProgressUpdate {
  /** What is being counted, e.g. `archive:copy`. */
  step: string;
  done: number;
  total?: number;
  unit?: string;
  detail?: Record<string, unknown>;
}

export interface TransitionContext {
  transitionId: string;
  workspaceId: string;
  transition: TransitionName;
  from: WorkspaceStatus;
  to: WorkspaceStatus;
  phase: HookPhase;
  /** 1 for the first run, +1 per retry of the same transition. */
  attempt: number;
  /** Aborted when the caller gives up or the transition's timeout passes; long handlers check it. */
  signal: AbortSignal;
  deadline?: number;
  logger: Logger;
  progress(update: ProgressUpdate): void;
}

/** What a handler may say about its run, e.g. "nothing to do: already archived". */
export interface HookResult {
  note?: string;
  detail?: Record<string, unknown>;
}

export type HookHandler = (ctx: TransitionContext) => Promise<HookResult | void> | HookResult | void;

export interface HookOutcome {
  plugin: string;
  name: string;
  point: HookPoint;
  ok: boolean;
  durationMs: number;
  note?: string;
  detail?: Record<string, unknown>;
  error?: Error;
  /** Not run: an earlier handler failed in stop-on-error mode, or the transition was aborted. */
  skipped?: boolean;
}

export interface TapOptions {
  plugin: string;
  /** Defaults to the plugin name; lets one plugin tap the same point more than once. */
  name?: string;
  /** Lower runs first among one plugin's peers in the same boot position (default 0). */
  stage?: number;
  /** Run ahead of this plugin's handlers even though boot order puts it later. */
  before?: string;
}
