import { container as rootContainer, instanceCachingFactory, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { isPermafrostError, PluginBootError } from '../errors';
import { LifecycleBus, observerOf } from '../lifecycle/emitter';
import { HookRunner } from '../lifecycle/hook-runner';
import { WORKSPACE_STATE_STORE, type WorkspaceStateStore } from '../lifecycle/state-store';
import { TransitionExecutor } from '../lifecycle/transition-executor';
import { createLogger, LOGGER, type Logger } from '../logger';
import { assertProvided, forwardProvides, pluginContainer } from './containers';
import { collectExtensions } from './extension-point';
import { orderPlugins } from './order';
import { PLUGIN_EMITTER, pluginEmitter } from './plugin-emitter';
import type { PermafrostApp, PermafrostPlugin, PluginContext, PluginEmitter } from './types';

/** How to boot an app. */
export interface BootstrapOptions {
  plugins: readonly PermafrostPlugin[];
  /** Parent container; the app gets a child of it, so apps (and tests) never share registrations. */
  container?: DependencyContainer;
  logger?: Logger;
  /** A plugin whose init takes longer fails the boot, by name (default 60 s; a plugin may set its own). */
  initTimeoutMs?: number;
  /** A hook handler running longer fails with HookTimeoutError, by name (default 30 min; a tap may set its own). */
  hookTimeoutMs?: number;
}

/**
 * Boots an app: order plugins and check contributions (refusing bad wiring before any plugin code runs),
 * call every plugin's register() on its own child container, then each init() in boot order under a
 * timeout. shutdown() runs plugin shutdowns in reverse order; a plugin whose init failed is shut down
 * with those before it.
 */
export async function bootstrap(options: BootstrapOptions): Promise<PermafrostApp> {
  const ordered = orderPlugins(options.plugins);
  const extensions = collectExtensions(ordered);
  const app = (options.container ?? rootContainer).createChildContainer();
  const logger = options.logger ?? createLogger();
  const bus = new LifecycleBus(logger);
  bus.setPluginOrder(ordered.map((p) => p.name));
  // The wildcard trace: every notification at debug level, so PERMAFROST_LOG_LEVEL=debug shows a transition's story.
  bus.onAny('**', (payload, event) => logger.debug(event, { event: payload as Record<string, unknown> }));
  const runner = new HookRunner(bus, options.hookTimeoutMs ?? 30 * 60_000);
  // Neither the bus nor the runner is in the container: tapping goes only through a plugin's bound emitter.
  app.registerInstance(LOGGER, logger);
  app.register(TransitionExecutor, {
    useFactory: instanceCachingFactory(() => new TransitionExecutor(app.resolve<WorkspaceStateStore>(WORKSPACE_STATE_STORE), runner, bus, logger)),
  });

  const containers = new Map<string, DependencyContainer>();
  const emitters = new Map<string, PluginEmitter>();
  const booted = new Set(ordered.map((p) => p.name));
  for (const plugin of ordered) {
    const own = pluginContainer(app, logger.child({ plugin: plugin.name }));
    containers.set(plugin.name, own);
    emitters.set(plugin.name, pluginEmitter(bus, runner, plugin.name, booted, logger));
    own.registerInstance(PLUGIN_EMITTER, emitters.get(plugin.name)!);
    try {
      plugin.register?.(own, { extensions });
    } catch (err) {
      throw new PluginBootError(`Plugin ${plugin.name} failed in register(): ${(err as Error).message}`, { plugin: plugin.name, cause: err });
    }
    forwardProvides(app, own, plugin);
  }

  const started: PermafrostPlugin[] = [];
  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () =>
    (shutdownPromise ??= (async () => {
      const errors: unknown[] = [];
      for (const plugin of [...started].reverse()) {
        try {
          await plugin.shutdown?.();
        } catch (err) {
          errors.push(new PluginBootError(`Plugin ${plugin.name} failed in shutdown(): ${(err as Error).message}`, { plugin: plugin.name, cause: err }));
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, `${errors.length} plugin(s) failed to shut down`);
    })());

  for (const plugin of ordered) {
    const pluginLogger = logger.child({ plugin: plugin.name });
    const own = containers.get(plugin.name)!;
    const ctx: PluginContext = { name: plugin.name, container: own, emitter: emitters.get(plugin.name)!, extensions, logger: pluginLogger };
    started.push(plugin);
    try {
      await withTimeout(Promise.resolve().then(() => plugin.init?.(ctx)), plugin.initTimeoutMs ?? options.initTimeoutMs ?? 60_000, plugin.name);
      assertProvided(own, plugin);
    } catch (err) {
      await shutdown().catch(() => undefined);
      // A typed error keeps its own code (SCHEMA_MISMATCH, STACK_CONFIG, …): it already says what is wrong
      // and what to do, and callers match on codes. Anything else is this plugin's failed boot.
      if (isPermafrostError(err)) throw err;
      throw new PluginBootError(`Plugin ${plugin.name} failed in init(): ${(err as Error).message}`, { plugin: plugin.name, cause: err });
    }
  }

  return {
    container: app,
    emitter: observerOf(bus),
    get executor() {
      return app.resolve(TransitionExecutor);
    },
    pluginOrder: ordered.map((p) => p.name),
    extensions,
    resolve: <T>(token: InjectionToken<T>) => app.resolve(token),
    shutdown,
  };
}

async function withTimeout(p: Promise<unknown>, ms: number, plugin: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PluginBootError(`Plugin ${plugin} did not finish init() within ${ms} ms; check what it waits for (a server, a migration lock).`, { plugin })), ms);
  });
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
