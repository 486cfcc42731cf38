import { EventEmitter2 } from 'eventemitter2';
import type { Logger } from '../logger';
import { silentLogger } from '../logger';
import type { HookOutcome, HookPhase, HookRef, ProgressUpdate } from './hook-map';
import type { OperationFinished } from './operations';
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

/** Notifications, event name → payload. Observers cannot change a transition; hooks can. */
export interface LifecycleEvents {
  'transition:start': TransitionInfo;
  'transition:status-changed': TransitionInfo;
  'transition:complete': TransitionInfo & { durationMs: number; outcomes: HookOutcome[] };
  'transition:failed': TransitionInfo & { error: Error; phase: HookPhase | 'commit'; statusChanged: boolean; durationMs: number };
  /** `callId` is the transition id for lifecycle hooks. */
  'hook:start': HookRef & { callId: string; workspaceId?: string };
  'hook:complete': HookOutcome & { callId: string; workspaceId?: string };
  progress: ProgressUpdate & { workspaceId: string; transitionId?: string; plugin: string; elapsedMs: number };
  /** A storage plugin finished an operation (see OperationFinished); `plugin` is the publisher, set by core. */
  'operation:finished': OperationFinished & { plugin: string };
}

/** A notification's name. */
export type LifecycleEventName = keyof LifecycleEvents;

/** The observer side of the lifecycle bus (`app.emitter`): typed notifications, and wildcards. */
export interface LifecycleEmitter {
  on<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this;
  once<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this;
  off<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this;
  /** eventemitter2 wildcards over notifications: `transition:*`, `hook:*`, `**`. */
  onAny(pattern: string, listener: (payload: unknown, event: string) => void): this;
  offAny(pattern: string, listener: (payload: unknown, event: string) => void): this;
}

/** A hook handler as the bus stores it: the plugin it belongs to is fixed when it is tapped. */
export interface TapEntry {
  plugin: string;
  name: string;
  stage: number;
  before?: string;
  timeoutMs?: number;
  seq: number;
  handler: (payload: never) => unknown;
}

// Hook handlers live under their own namespace, so no notification (and no observer's wildcard) reaches them.
const TAP_PREFIX = 'tap:';

/**
 * The single lifecycle bus (eventemitter2): plugins tap hook points on it, observers listen to
 * notifications on it. Hooks are never raised with emitAsync (it runs listeners concurrently and lets the
 * first rejection win): the HookRunner takes `taps(point)` and awaits each in order. A notification
 * listener that throws is logged and cannot break a transition.
 */
export class LifecycleBus implements LifecycleEmitter {
  private readonly bus = new EventEmitter2({ wildcard: true, delimiter: ':', maxListeners: 0 });
  private readonly entries = new WeakMap<object, TapEntry>();
  private readonly wrappers = new Map<(payload: unknown, event: string) => void, Map<string, (payload: unknown) => void>>();
  private pluginRank = new Map<string, number>();
  private seq = 0;

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

  onAny(pattern: string, listener: (payload: unknown, event: string) => void): this {
    if (pattern.startsWith(TAP_PREFIX)) throw new TypeError(`${pattern}: hook points are tapped by plugins, not observed`);
    const wrapper = function (this: { event?: string | string[] }, payload: unknown) {
      listener(payload, Array.isArray(this.event) ? this.event.join(':') : String(this.event));
    };
    if (!this.wrappers.has(listener)) this.wrappers.set(listener, new Map());
    this.wrappers.get(listener)!.set(pattern, wrapper);
    this.bus.on(pattern, wrapper);
    return this;
  }

  offAny(pattern: string, listener: (payload: unknown, event: string) => void): this {
    const wrapper = this.wrappers.get(listener)?.get(pattern);
    if (wrapper) {
      this.bus.off(pattern, wrapper);
      this.wrappers.get(listener)!.delete(pattern);
    }
    return this;
  }

  emit<E extends LifecycleEventName>(event: E, payload: LifecycleEvents[E]): void {
    for (const listener of this.bus.listeners(event)) {
      try {
        (listener as (p: unknown) => void).call({ event }, payload);
      } catch (err) {
        this.logger.warn('lifecycle listener threw; ignored', { event, error: String(err) });
      }
    }
  }

  /** Subscribes a plugin's handler to a hook point. Only bootstrap's plugin-bound views call it. */
  tap(point: string, plugin: string, handler: (payload: never) => unknown, options: { name?: string; stage?: number; before?: string; timeoutMs?: number } = {}): void {
    if (typeof handler !== 'function') throw new TypeError(`${plugin}: handler for ${point} is not a function`);
    // One wrapper per tap: the same function may be tapped on several points or twice on one.
    const listener = () => undefined;
    this.entries.set(listener, { plugin, name: options.name ?? plugin, stage: options.stage ?? 0, before: options.before, timeoutMs: options.timeoutMs, seq: this.seq++, handler });
    this.bus.on(TAP_PREFIX + point, listener);
  }

  /** Called by bootstrap with the plugins in boot order. */
  setPluginOrder(names: readonly string[]): void {
    this.pluginRank = new Map(names.map((name, i) => [name, i]));
  }

  /**
   * A point's handlers in their documented order: 1. plugin boot order (dependencies first, then the
   * order given to bootstrap), 2. `before: 'x'` moves a tap ahead of every tap of plugin x, 3. `stage`
   * (lower first), then registration order.
   */
  taps(point: string): TapEntry[] {
    const rank = (plugin: string) => this.pluginRank.get(plugin) ?? Number.MAX_SAFE_INTEGER;
    const effective = (t: TapEntry) => (t.before !== undefined ? Math.min(rank(t.plugin), rank(t.before) - 0.5) : rank(t.plugin));
    return this.bus
      .listeners(TAP_PREFIX + point)
      .map((l) => this.entries.get(l))
      .filter((e): e is TapEntry => e !== undefined)
      .sort((a, b) => effective(a) - effective(b) || a.stage - b.stage || a.seq - b.seq);
  }
}

/** The observer-only face of the bus for hosts: no tap, so no caller outside a plugin can add a handler under any name. */
export function observerOf(bus: LifecycleBus): LifecycleEmitter {
  const view: LifecycleEmitter = {
    on: (event, listener) => (bus.on(event, listener), view),
    once: (event, listener) => (bus.once(event, listener), view),
    off: (event, listener) => (bus.off(event, listener), view),
    onAny: (pattern, listener) => (bus.onAny(pattern, listener), view),
    offAny: (pattern, listener) => (bus.offAny(pattern, listener), view),
  };
  return view;
}
