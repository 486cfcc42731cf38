import type { HookOutcome, HookRef } from './lifecycle/hook-map';
import type { TransitionName, WorkspaceStatus } from './lifecycle/transitions';

/** What an error is about; every field optional because not every error has a workspace or a plugin. */
export interface ErrorDetails {
  workspaceId?: string;
  plugin?: string;
  hook?: string;
  cause?: unknown;
}

/**
 * Base of every error Permafrost raises on purpose. `code` is stable (match on it, not on messages);
 * messages say what to do next. Plugins subclass it for their own errors (with their own codes).
 */
export abstract class PermafrostError extends Error {
  abstract readonly code: string;
  readonly workspaceId?: string;
  readonly plugin?: string;
  readonly hook?: string;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.workspaceId = details.workspaceId;
    this.plugin = details.plugin;
    this.hook = details.hook;
  }
}

/** True for any PermafrostError, plugins' subclasses included. */
export function isPermafrostError(err: unknown): err is PermafrostError {
  return err instanceof PermafrostError;
}

/** `NOT_FOUND`: unknown workspace, or an id that cannot name one (not a UUID). */
export class NotFoundError extends PermafrostError {
  readonly code = 'NOT_FOUND';
}

/** `ILLEGAL_TRANSITION`: the state machine does not allow it from the current status; nothing changed. */
export class IllegalTransitionError extends PermafrostError {
  readonly code = 'ILLEGAL_TRANSITION';
  readonly from?: WorkspaceStatus;
  readonly transition?: TransitionName;
  /** Set when the workspace has an unfinished transition that explains its status (retry finishes it). */
  readonly unfinishedTransitionId?: string;
  constructor(message: string, details: ErrorDetails & { from?: WorkspaceStatus; transition?: TransitionName; unfinishedTransitionId?: string } = {}) {
    super(message, details);
    this.from = details.from;
    this.transition = details.transition;
    this.unfinishedTransitionId = details.unfinishedTransitionId;
  }
}

/** `CONFLICT`: a uniqueness rule refuses it (a name taken, e.g. on untombstone). */
export class ConflictError extends PermafrostError {
  readonly code = 'CONFLICT';
}

/** `INVALID_INPUT`: an argument is malformed; nothing was attempted. */
export class InvalidInputError extends PermafrostError {
  readonly code = 'INVALID_INPUT';
}

/** `TRANSITION_IN_PROGRESS`: another transition of the workspace held its lock for too long. */
export class TransitionInProgressError extends PermafrostError {
  readonly code = 'TRANSITION_IN_PROGRESS';
}

/** `PLUGIN_BOOT`: bad wiring (names, dependencies, extension points, providers) or a plugin's register/init/shutdown failed. */
export class PluginBootError extends PermafrostError {
  readonly code = 'PLUGIN_BOOT';
}

/**
 * `TRANSITION_VETOED`: a `check:<transition>` handler refused. Check handlers get no data handles and
 * run before any `before:` handler, so nothing was changed; run the transition again once the reason
 * is gone (there is nothing to retry).
 */
export class TransitionVetoedError extends PermafrostError {
  readonly code = 'TRANSITION_VETOED';
  /** Always false; here so callers can treat every lifecycle failure alike. */
  readonly statusChanged = false;
  readonly outcomes: HookOutcome[];
  constructor(message: string, details: ErrorDetails & { outcomes: HookOutcome[] }) {
    super(message, details);
    this.outcomes = details.outcomes;
  }
}

/**
 * `HOOK_FAILED`: a `before:` or `after:` handler failed. The transition is recorded as failed and is
 * retryable (`retryTransition` runs only the handlers that did not complete, then goes on).
 * `statusChanged` says which side of the status commit it happened on; `completed` lists the handlers
 * that had already done their work, so the caller knows what changed.
 */
export class HookFailedError extends PermafrostError {
  readonly code = 'HOOK_FAILED';
  readonly statusChanged: boolean;
  readonly point?: string;
  readonly completed: HookRef[];
  readonly outcomes: HookOutcome[];
  constructor(message: string, details: ErrorDetails & { statusChanged: boolean; point?: string; completed?: HookRef[]; outcomes?: HookOutcome[] }) {
    super(message, details);
    this.statusChanged = details.statusChanged;
    this.point = details.point;
    this.completed = details.completed ?? [];
    this.outcomes = details.outcomes ?? [];
  }
}

/**
 * `HOOK_TIMEOUT`: one handler ran past its timeout (the tap's `timeoutMs`, else bootstrap's
 * `hookTimeoutMs`). Its signal was aborted; the run goes on without it and reports it as failed.
 */
export class HookTimeoutError extends PermafrostError {
  readonly code = 'HOOK_TIMEOUT';
  readonly timeoutMs: number;
  constructor(message: string, details: ErrorDetails & { timeoutMs: number }) {
    super(message, details);
    this.timeoutMs = details.timeoutMs;
  }
}
