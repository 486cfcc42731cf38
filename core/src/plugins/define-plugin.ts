import { PluginBootError } from '../errors';
import type { PermafrostPlugin } from './types';

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Makes a plugin: validates its declaration once, where it is written (name, dependencies, contributions), and freezes it. */
export function definePlugin<P extends PermafrostPlugin>(plugin: P): Readonly<P> {
  if (typeof plugin?.name !== 'string' || !NAME.test(plugin.name)) {
    throw new PluginBootError(`Plugin name ${JSON.stringify(plugin?.name)} is invalid: use lowercase letters, digits and dashes.`);
  }
  for (const dep of plugin.dependsOn ?? []) {
    if (typeof dep !== 'string' || dep === plugin.name) throw new PluginBootError(`Plugin ${plugin.name} declares an invalid dependency ${JSON.stringify(dep)}.`, { plugin: plugin.name });
  }
  for (const c of plugin.contributes ?? []) {
    if (typeof c?.point?.id !== 'string') throw new PluginBootError(`Plugin ${plugin.name} declares a contribution without a point; make it with contribute(point, value).`, { plugin: plugin.name });
  }
  return Object.freeze({
    ...plugin,
    dependsOn: Object.freeze([...(plugin.dependsOn ?? [])]),
    provides: Object.freeze([...(plugin.provides ?? [])]),
    contributes: Object.freeze([...(plugin.contributes ?? [])]),
  });
}
