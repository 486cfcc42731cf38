import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { LifecycleEmitter } from '../lifecycle/emitter';
import type { HookHandler, HookOutcome, LifecycleHookName, LifecycleHooks, TapOptions } from '../lifecycle/hook-map';
import type { HookCallContext, HookPoint } from '../lifecycle/hook-point';
import type { PluginEventName, PluginEvents } from '../lifecycle/operations';
import type { TransitionExecutor } from '../lifecycle/transition-executor';
import type { Logger } from '../logger';
import type { Contribution, Extensions } from './extension-point';

/**
 * The lifecycle bus as one plugin sees it: everything it taps carries its name (it cannot tap under
 * another's), and it observes notifications through the same object.
 */
export interface PluginEmitter extends LifecycleEmitter {
  /** Subscribes to a lifecycle hook point; the handler's payload type follows from the point's name. */
  tap<N extends LifecycleHookName>(point: N, handler: HookHandler<LifecycleHooks[N]>, options?: TapOptions): void;
  /** Subscribes to a hook another plugin (or this one) declared with createHookPoint. */
  tap<P>(point: HookPoint<P>, handler: HookHandler<P & HookCallContext>, options?: TapOptions): void;
  /**
   * Raises a hook this plugin owns: handlers run serially, awaited, in plugin dependency order, each
   * under its timeout. `key` (default: a fresh id) makes handlers' idempotency keys stable across calls.
   * 'stop' (default) skips the rest after a failure; 'all' runs every handler. Outcomes are returned, never thrown.
   */
  call<P>(point: HookPoint<P>, payload: P, options?: { key?: string; signal?: AbortSignal; mode?: 'stop' | 'all' }): Promise<HookOutcome[]>;
  /**
   * Publishes one of the notifications plugins may publish (PluginEvents) to every observer, stamped with
   * this plugin's name. Synchronous; a listener that throws is logged, never thrown back here.
   */
  emit<E extends PluginEventName>(event: E, payload: PluginEvents[E]): void;
}

/** What register() gets beside its container. */
export interface RegisterContext {
  /** Contributions to extension points (all of them: they are declarations, known before any register). */
  extensions: Extensions;
}

/** What init() gets. */
export interface PluginContext {
  /** The plugin's name. */
  name: string;
  /** The plugin's own child container (the one register() filled); other plugins' `provides` resolve through it. */
  container: DependencyContainer;
  emitter: PluginEmitter;
  extensions: Extensions;
  /** Bound to the plugin's name. */
  logger: Logger;
}

/**
 * A plugin says up front what it is and needs: a name, the plugins it depends on, what it provides to
 * others, what it contributes to their extension points, the providers it registers in its own child
 * container (all plugins register before any initializes), what it does at init (tap hooks, migrate),
 * and how it shuts down (reverse boot order). Make one with definePlugin.
 */
export interface PermafrostPlugin {
  readonly name: string;
  readonly dependsOn?: readonly string[];
  /**
   * Tokens resolvable outside this plugin (by the app and other plugins). Everything else registered
   * in its container stays private. A later plugin providing the same token overrides it for everyone
   * but the first plugin itself.
   */
  readonly provides?: readonly InjectionToken<unknown>[];
  /** Values for other plugins' extension points (see `contribute`). */
  readonly contributes?: readonly Contribution[];
  /** init() taking longer fails the boot, by name (default: bootstrap's `initTimeoutMs`). */
  readonly initTimeoutMs?: number;
  register?(container: DependencyContainer, ctx: RegisterContext): void;
  init?(ctx: PluginContext): Promise<void> | void;
  shutdown?(): Promise<void> | void;
}

/** A booted app. */
export interface PermafrostApp {
  /** The app container: core services and what plugins `provide`. */
  container: DependencyContainer;
  /** Observe notifications (`transition:*`, `hook:*`, `progress`); tapping hooks is for plugins. */
  emitter: LifecycleEmitter;
  /** Resolved on first use: it needs the WorkspaceStateStore a data-layer plugin provides. */
  readonly executor: TransitionExecutor;
  /** Plugin names in boot order. */
  pluginOrder: readonly string[];
  /** Contributions to every extension point, as the plugins saw them. */
  extensions: Extensions;
  resolve<T>(token: InjectionToken<T>): T;
  /** Shuts plugins down in reverse boot order, once; rejects with every failure. */
  shutdown(): Promise<void>;
}
