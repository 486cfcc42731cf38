import type { HookOutcome, HookPoint } from './lifecycle/types';
import type { TransitionName, WorkspaceStatus } from './lifecycle/transitions';

export interface ErrorDetails {
  workspaceId?: string;
  plugin?: string;
  hook?: string;
  cause?: unknown;
}

/**
 * Every error Permafrost raises on purpose. `code` is stable (match on it, not on messages); messages
 * say what to do next.
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

export function isPermafrostError(err: unknown): err is PermafrostError {
  return err instanceof PermafrostError;
}

/** Unknown workspace, or an id that cannot name one (not a UUID). */
export class NotFoundError extends PermafrostError {
  readonly code = 'NOT_FOUND';
}

export class IllegalTransitionError extends PermafrostError {
  readonly code = 'ILLEGAL_TRANSITION';
  readonly from?: WorkspaceStatus;
  readonly transition?: TransitionName;
  constructor(message: string, details: ErrorDetails & { from?: WorkspaceStatus; transition?: TransitionName } = {}) {
    super(message, details);
    this.from = details.from;
    this.transition = details.transition;
  }
}

export class ConflictError extends PermafrostError {
  readonly code = 'CONFLICT';
}

export class InvalidInputError extends PermafrostError {
  readonly code = 'INVALID_INPUT';
}

export class TransitionInProgressError extends PermafrostError {
  readonly code = 'TRANSITION_IN_PROGRESS';
}

export class PluginBootError extends PermafrostError {
  readonly code = 'PLUGIN_BOOT';
}

/**
 * A hook handler failed. `statusChanged` tells which side of the status commit it happened on: false
 * (a before hook) means nothing changed; true (an after hook) means the status changed, the failure is
 * recorded, and `retryTransition` finishes it.
 */
export class HookFailedError extends PermafrostError {
  readonly code = 'HOOK_FAILED';
  readonly statusChanged: boolean;
  readonly point?: HookPoint;
  readonly outcomes: HookOutcome[];
  constructor(message: string, details: ErrorDetails & { statusChanged: boolean; point?: HookPoint; outcomes?: HookOutcome[] }) {
    super(message, details);
    this.statusChanged = details.statusChanged;
    this.point = details.point;
    this.outcomes = details.outcomes ?? [];
  }
}
