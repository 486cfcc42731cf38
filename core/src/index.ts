// @permafrost/core: the host API, for applications that boot plugins and run transitions.
// Plugin authors import '@permafrost/core/plugin'. Each symbol is documented where it is declared.
import 'reflect-metadata';

export { bootstrap, type BootstrapOptions } from './plugins/bootstrap';
export type { PermafrostApp, PermafrostPlugin } from './plugins/types';
export { contributionsTo, type ExtensionPoint } from './plugins/extension-point';
export { TRANSITIONS, TRANSITION_NAMES, WORKSPACE_STATUSES, type TransitionName, type WorkspaceStatus } from './lifecycle/transitions';
export type { TransitionResult, RetryResult, ExecuteOptions } from './lifecycle/transition-executor';
export type { LifecycleEmitter, LifecycleEvents, LifecycleEventName, TransitionInfo } from './lifecycle/emitter';
export type { OperationFinished } from './lifecycle/operations';
export type { HookOutcome, HookRef, HookPhase, ProgressUpdate } from './lifecycle/hook-map';
export type { WorkspaceStateStore, TransitionRecord, TransitionPhase, FailedHook, TransitionFailure } from './lifecycle/state-store';
export {
  PermafrostError, isPermafrostError, NotFoundError, IllegalTransitionError, ConflictError, InvalidInputError,
  TransitionInProgressError, PluginBootError, TransitionVetoedError, HookFailedError, HookTimeoutError, type ErrorDetails,
} from './errors';
export { createLogger, logLevelFromEnv, silentLogger, type CreateLoggerOptions, type Logger } from './logger';
