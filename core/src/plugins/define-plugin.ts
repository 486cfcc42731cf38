import { PluginBootError } from '../errors';
import type { PermafrostPlugin } from './types';

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Validates a plugin's declaration once, where it is written, and freezes it. */
export function definePlugin<P extends PermafrostPlugin>(plugin: P): Readonly<P> {
  if (typeof plugin?.name !== 'string' || !NAME.test(plugin.name)) {
    throw new PluginBootError(`Plugin name ${JSON.stringify(plugin?.name)} is invalid: use lowercase letters, digits and dashes.`);
  }
  for (const dep of plugin.dependsOn ?? []) {
    if (typeof dep !== 'string' || dep === plugin.name) throw new PluginBootError(`Plugin ${plugin.name} declares an invalid dependency ${JSON.stringify(dep)}.`, { plugin: plugin.name });
  }
  return Object.freeze({ ...plugin, dependsOn: Object.freeze([...(plugin.dependsOn ?? [])]) });
}
