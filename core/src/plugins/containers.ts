import { type DependencyContainer, type InjectionToken } from 'tsyringe';
import { PluginBootError } from '../errors';
import { LOGGER, type Logger } from '../logger';
import type { PermafrostPlugin } from './types';

const tokenName = (token: InjectionToken<unknown>) => (typeof token === 'function' ? token.name : String(token));

/**
 * A plugin's own child of the app container: its registrations are private (two plugins' helpers never
 * collide), LOGGER resolves to its named logger, and it resolves what others `provide` through the app.
 */
export function pluginContainer(app: DependencyContainer, logger: Logger): DependencyContainer {
  const own = app.createChildContainer();
  own.registerInstance(LOGGER, logger);
  return own;
}

/** Makes each token the plugin `provides` resolvable from the app container (lazily: init may register it). */
export function forwardProvides(app: DependencyContainer, own: DependencyContainer, plugin: PermafrostPlugin): void {
  for (const token of plugin.provides ?? []) {
    app.register(token, {
      useFactory: () => {
        // Without this check a missing registration would resolve through the parent: back here, forever.
        if (!own.isRegistered(token, false)) throw missing(plugin, token);
        return own.resolve(token);
      },
    });
  }
}

/** After init: every provided token must be registered, so a bad wiring fails the boot, not a later call. */
export function assertProvided(own: DependencyContainer, plugin: PermafrostPlugin): void {
  for (const token of plugin.provides ?? []) if (!own.isRegistered(token, false)) throw missing(plugin, token);
}

function missing(plugin: PermafrostPlugin, token: InjectionToken<unknown>): PluginBootError {
  return new PluginBootError(`Plugin ${plugin.name} declares it provides ${tokenName(token)} but registered none; register it in register() or init(), or drop it from provides.`, { plugin: plugin.name });
}
