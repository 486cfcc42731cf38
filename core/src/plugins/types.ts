import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { LifecycleEmitter } from '../lifecycle/emitter';
import type { HookRegistry } from '../lifecycle/hook-registry';
import type { TransitionExecutor } from '../lifecycle/transition-executor';
import type { HookHandler, HookPoint } from '../lifecycle/types';
import type { Logger } from '../logger';

/** `hooks.tap` bound to the plugin, so every handler carries the plugin's name. */
export interface PluginHooks {
  tap(point: HookPoint, handler: HookHandler, options?: { name?: string; stage?: number; before?: string }): void;
}

export interface PluginContext {
  container: DependencyContainer;
  hooks: PluginHooks;
  emitter: LifecycleEmitter;
  logger: Logger;
}

/**
 * A plugin says up front what it is and needs: a name, the plugins it depends on, the providers it
 * registers (all plugins register before any initializes), what it does at init (tap hooks, migrate),
 * and how it shuts down (reverse boot order).
 */
export interface PermafrostPlugin {
  readonly name: string;
  readonly dependsOn?: readonly string[];
  register?(container: DependencyContainer): void;
  init?(ctx: PluginContext): Promise<void> | void;
  shutdown?(): Promise<void> | void;
}

export interface PermafrostApp {
  container: DependencyContainer;
  emitter: LifecycleEmitter;
  hooks: HookRegistry;
  /** Resolved on first use: it needs the WorkspaceStateStore a data-layer plugin registers. */
  readonly executor: TransitionExecutor;
  pluginOrder: readonly string[];
  resolve<T>(token: InjectionToken<T>): T;
  shutdown(): Promise<void>;
}
