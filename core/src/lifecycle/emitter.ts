import { EventEmitter2 } from 'eventemitter2';
import type { Logger } from '../logger';
import { silentLogger } from '../logger';
import type { HookOutcome, HookPhase, HookPoint, ProgressUpdate } from './types';
import type { TransitionName, WorkspaceStatus } from './transitions';

/** Identifies one run of a transition in every event about it. */
export interface TransitionInfo {
  transitionId: string;
  workspaceId: string;
  transition: TransitionName;
  from: WorkspaceStatus;
  to: WorkspaceStatus;
  attempt: number;
}

export interface LifecycleEvents {
  'transition:start': TransitionInfo;
  'transition:status-changed': TransitionInfo;
  'transition:complete': TransitionInfo & { durationMs: number; outcomes: HookOutcome[] };
  'transition:failed': TransitionInfo & { error: Error; phase: HookPhase | 'commit'; statusChanged: boolean; durationMs: number };
  'hook:start': { transitionId: string; workspaceId: string; plugin: string; name: string; point: HookPoint };
  'hook:complete': HookOutcome & { transitionId: string; workspaceId: string };
  progress: ProgressUpdate & { workspaceId: string; transitionId?: string; plugin: string; elapsedMs: number };
}

export type LifecycleEventName = keyof LifecycleEvents;

/**
 * Notification only. eventemitter2's emitAsync runs listeners concurrently (Promise.all) and lets the
 * first rejection win, so hooks never run through here: the HookRunner awaits them in order. A listener
 * that throws is logged and cannot break a transition.
 */
export class LifecycleEmitter {
  private readonly bus = new EventEmitter2({ wildcard: true, delimiter: ':', maxListeners: 100 });

  constructor(private readonly logger: Logger = silentLogger) {}

  on<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this {
    this.bus.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this {
    this.bus.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this {
    this.bus.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Wildcards follow eventemitter2: `transition:*`, `hook:*`. */
  onAny(pattern: string, listener: (payload: unknown) => void): this {
    this.bus.on(pattern, listener);
    return this;
  }

  emit<E extends LifecycleEventName>(event: E, payload: LifecycleEvents[E]): void {
    for (const listener of this.bus.listeners(event)) {
      try {
        (listener as (p: unknown) => void)(payload);
      } catch (err) {
        this.logger.warn('lifecycle listener threw; ignored', { event, error: String(err) });
      }
    }
  }
}
