import { PluginBootError } from '../errors';
import type { Logger } from '../logger';
import type { HookPhase } from './hook-map';

/**
 * A hook a plugin declares for other plugins to tap (unjs hookable's "a library declares its own hooks",
 * as a typed value). Only its owner may call it; handlers run like lifecycle handlers: serially, awaited,
 * in plugin dependency order, each under a timeout, each outcome collected.
 */
export interface HookPoint<P> {
  readonly kind: 'hook-point';
  /** `<owner>:<name>`, the event name on the lifecycle bus. */
  readonly id: string;
  /** The plugin that declares and calls it. */
  readonly owner: string;
  /** Type only, never set: ties the payload type to the point (invariant, so a point cannot be widened). */
  readonly __payload?: (payload: P) => P;
}

/** What a handler of a plugin-declared hook gets beside the owner's payload. */
export interface HookCallContext {
  /** `<callKey>/<plugin>/<handler>/<point>`: stable when the owner calls again with the same key. */
  readonly idempotencyKey: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const PHASES: readonly HookPhase[] = ['check', 'before', 'after'];

/** Declares hook `<owner>:<name>` with payload `P`; export it so other plugins can tap it. */
export function createHookPoint<P>(options: { owner: string; name: string }): HookPoint<P> {
  if (!NAME.test(options.owner) || !NAME.test(options.name) || (PHASES as readonly string[]).includes(options.owner)) {
    throw new PluginBootError(`Hook point ${options.owner}:${options.name} is invalid: owner and name use lowercase letters, digits and dashes, and the owner cannot be a lifecycle phase.`, { plugin: options.owner });
  }
  return Object.freeze({ kind: 'hook-point' as const, id: `${options.owner}:${options.name}`, owner: options.owner });
}
