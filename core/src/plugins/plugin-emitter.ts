import { randomUUID } from 'node:crypto';
import { PluginBootError } from '../errors';
import type { Logger } from '../logger';
import { observerOf, type LifecycleBus } from '../lifecycle/emitter';
import type { TapOptions } from '../lifecycle/hook-map';
import type { HookCallContext, HookPoint } from '../lifecycle/hook-point';
import type { HookRunner } from '../lifecycle/hook-runner';
import { PLUGIN_EVENTS, type PluginEventName, type PluginEvents } from '../lifecycle/operations';
import type { PluginEmitter } from './types';

/**
 * Token of a plugin's own PluginEmitter in its own container (registered before register() runs), for
 * services a plugin builds in register() that publish notifications, e.g. `operation:finished`.
 */
export const PLUGIN_EMITTER = Symbol.for('permafrost.PluginEmitter');

/**
 * The bus bound to one plugin's name. Only bootstrap makes these, one per plugin, so a handler's plugin
 * name (in errors, timings, transition records) cannot be spoofed.
 */
export function pluginEmitter(bus: LifecycleBus, runner: HookRunner, plugin: string, booted: ReadonlySet<string>, logger: Logger): PluginEmitter {
  const observer = observerOf(bus);
  const chain = <A extends unknown[]>(f: (...args: A) => unknown) => (...args: A) => (f(...args), view);
  const view: PluginEmitter = {
    on: chain(observer.on),
    once: chain(observer.once),
    off: chain(observer.off),
    onAny: chain(observer.onAny),
    offAny: chain(observer.offAny),
    tap(point: string | HookPoint<unknown>, handler: (payload: never) => unknown, options: TapOptions = {}) {
      if (typeof point !== 'string' && !booted.has(point.owner)) {
        throw new PluginBootError(`Plugin ${plugin} taps ${point.id}, but its owner ${point.owner} is not registered.`, { plugin, hook: point.id });
      }
      bus.tap(typeof point === 'string' ? point : point.id, plugin, handler, options);
    },
    async call<P>(point: HookPoint<P>, payload: P, options: { key?: string; signal?: AbortSignal; mode?: 'stop' | 'all' } = {}) {
      if (point.owner !== plugin) throw new PluginBootError(`Plugin ${plugin} called ${point.id}, which belongs to ${point.owner}; only a hook's owner raises it.`, { plugin, hook: point.id });
      const key = options.key ?? randomUUID();
      return runner.run<P & HookCallContext>({
        point: point.id, callId: key, mode: options.mode ?? 'stop', signal: options.signal ?? new AbortController().signal,
        payloadFor: (tap, signal) => ({ ...payload, idempotencyKey: `${key}/${tap.plugin}/${tap.name}/${point.id}`, signal, logger: logger.child({ plugin: tap.plugin, hook: point.id }) }),
      });
    },
    emit<E extends PluginEventName>(event: E, payload: PluginEvents[E]) {
      // Core's own notifications (transition:*, hook:*, progress) say what core did: no plugin may fake one.
      if (!PLUGIN_EVENTS.includes(event)) throw new TypeError(`${plugin}: ${String(event)} is not a notification plugins publish; publish one of ${PLUGIN_EVENTS.join(', ')}`);
      bus.emit(event, { ...payload, plugin });
    },
  } as PluginEmitter;
  return view;
}
