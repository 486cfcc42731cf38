import 'reflect-metadata';

export * from './errors';
export * from './logger';
export * from './lifecycle/transitions';
export type { HookPhase, HookPoint, ProgressUpdate, TransitionContext, HookResult, HookHandler, HookOutcome, TapOptions } from './lifecycle/types';
export { LifecycleEmitter, type LifecycleEvents, type LifecycleEventName, type TransitionInfo } from './lifecycle/emitter';
export { HookRegistry, type Tap } from './lifecycle/hook-registry';
export { HookRunner, type RunOptions, type HookInterceptor } from './lifecycle/hook-runner';
export { WORKSPACE_STATE_STORE, type WorkspaceStateStore, type TransitionRecord, type FailedHook } from './lifecycle/state-store';
export { InMemoryWorkspaceStateStore } from './lifecycle/in-memory-state-store';
export { TransitionExecutor, type ExecuteOptions, type TransitionResult, type RetryResult } from './lifecycle/transition-executor';
export { definePlugin } from './plugins/define-plugin';
export { orderPlugins } from './plugins/order';
export { bootstrap, type BootstrapOptions } from './plugins/bootstrap';
export type { PermafrostPlugin, PermafrostApp, PluginContext, PluginHooks } from './plugins/types';
