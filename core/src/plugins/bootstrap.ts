import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { PluginBootError } from '../errors';
import { LifecycleEmitter } from '../lifecycle/emitter';
import { HookRegistry } from '../lifecycle/hook-registry';
import { HookRunner } from '../lifecycle/hook-runner';
import { TransitionExecutor } from '../lifecycle/transition-executor';
import { createLogger, LOGGER, type Logger } from '../logger';
import { orderPlugins } from './order';
import type { PermafrostApp, PermafrostPlugin, PluginContext } from './types';

export interface BootstrapOptions {
  plugins: readonly PermafrostPlugin[];
  /** Parent container; the app gets a child of it, so apps (and tests) never share registrations. */
  container?: DependencyContainer;
  logger?: Logger;
  /** A plugin whose init takes longer fails the boot, by name (default 60 s). */
  initTimeoutMs?: number;
}

/**
 * Boots an app: order plugins (refusing bad wiring before any plugin code runs), register core services,
 * call every plugin's register(), then each init() in boot order, each under a timeout. shutdown() runs
 * plugin shutdowns in reverse order; a plugin whose init failed is shut down with those before it.
 */
export async function bootstrap(options: BootstrapOptions): Promise<PermafrostApp> {
  const ordered = orderPlugins(options.plugins);
  const container = (options.container ?? rootContainer).createChildContainer();
  const logger = options.logger ?? createLogger();
  const emitter = new LifecycleEmitter(logger);
  const hooks = new HookRegistry();
  hooks.setPluginOrder(ordered.map((p) => p.name));
  container.registerInstance(LOGGER, logger);
  container.registerInstance(LifecycleEmitter, emitter);
  container.registerInstance(HookRegistry, hooks);
  container.registerInstance(HookRunner, new HookRunner(hooks, emitter));

  for (const plugin of ordered) {
    try {
      plugin.register?.(container);
    } catch (err) {
      throw new PluginBootError(`Plugin ${plugin.name} failed in register(): ${(err as Error).message}`, { plugin: plugin.name, cause: err });
    }
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

  const timeoutMs = options.initTimeoutMs ?? 60_000;
  for (const plugin of ordered) {
    const ctx: PluginContext = {
      container,
      emitter,
      logger: logger.child({ plugin: plugin.name }),
      hooks: { tap: (point, handler, tapOptions) => hooks.tap(point, { ...tapOptions, plugin: plugin.name }, handler) },
    };
    started.push(plugin);
    try {
      await withTimeout(Promise.resolve(plugin.init?.(ctx)), timeoutMs, plugin.name);
    } catch (err) {
      await shutdown().catch(() => undefined);
      if (err instanceof PluginBootError) throw err;
      throw new PluginBootError(`Plugin ${plugin.name} failed in init(): ${(err as Error).message}`, { plugin: plugin.name, cause: err });
    }
  }

  let executor: TransitionExecutor | undefined;
  return {
    container,
    emitter,
    hooks,
    get executor() {
      return (executor ??= container.resolve(TransitionExecutor));
    },
    pluginOrder: ordered.map((p) => p.name),
    resolve: <T>(token: InjectionToken<T>) => container.resolve(token),
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
