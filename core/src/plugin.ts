// @permafrost/core/plugin: the plugin API, for writing plugins. Hosts import '@permafrost/core'.
// Each symbol is documented where it is declared.
import 'reflect-metadata';

export { definePlugin } from './plugins/define-plugin';
export type { PermafrostPlugin, PluginContext, PluginEmitter, RegisterContext } from './plugins/types';
export { createExtensionPoint, contribute, type ExtensionPoint, type Contribution, type Extensions } from './plugins/extension-point';
export { createHookPoint, type HookPoint, type HookCallContext } from './lifecycle/hook-point';
export type {
  LifecycleHooks, LifecycleHookName, HookPhase, TransitionFacts, CheckPayload, ChangePayload, BeforePayload, AfterPayload,
  HookHandler, HookResult, TapOptions, HookRef, HookOutcome, ProgressUpdate,
} from './lifecycle/hook-map';
export type { LifecycleEmitter, LifecycleEvents, LifecycleEventName, TransitionInfo } from './lifecycle/emitter';
export type { OperationFinished, PluginEvents, PluginEventName } from './lifecycle/operations';
export { PLUGIN_EMITTER } from './plugins/plugin-emitter';
export { TRANSITIONS, TRANSITION_NAMES, WORKSPACE_STATUSES, type TransitionName, type WorkspaceStatus, type FromStatus, type ToStatus } from './lifecycle/transitions';
export { WORKSPACE_STATE_STORE, type WorkspaceStateStore, type TransitionRecord, type TransitionPhase, type FailedHook, type TransitionFailure } from './lifecycle/state-store';
export { InMemoryWorkspaceStateStore } from './lifecycle/in-memory-state-store';
export { TransitionExecutor, type ExecuteOptions, type TransitionResult, type RetryResult } from './lifecycle/transition-executor';
export {
  PermafrostError, isPermafrostError, NotFoundError, IllegalTransitionError, ConflictError, InvalidInputError,
  TransitionInProgressError, PluginBootError, TransitionVetoedError, HookFailedError, HookTimeoutError, type ErrorDetails,
} from './errors';
export { LOGGER, type Logger } from './logger';
