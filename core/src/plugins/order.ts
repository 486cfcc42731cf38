import { PluginBootError } from '../errors';
import type { PermafrostPlugin } from './types';

/**
 * Boot order: every plugin after its dependencies; among plugins free to go, the order they were given
 * in. Rejects duplicates, missing dependencies and cycles (naming the cycle) before anything runs.
 */
export function orderPlugins(plugins: readonly PermafrostPlugin[]): PermafrostPlugin[] {
  const byName = new Map<string, PermafrostPlugin>();
  for (const plugin of plugins) {
    if (byName.has(plugin.name)) throw new PluginBootError(`Plugin ${plugin.name} is registered twice; register each plugin once.`, { plugin: plugin.name });
    byName.set(plugin.name, plugin);
  }
  for (const plugin of plugins) {
    for (const dep of plugin.dependsOn ?? []) {
      if (!byName.has(dep)) throw new PluginBootError(`Plugin ${plugin.name} depends on ${dep}, which is not registered; add ${dep} to the plugins passed to bootstrap.`, { plugin: plugin.name });
    }
  }
  const ordered: PermafrostPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (plugin: PermafrostPlugin, path: string[]) => {
    if (state.get(plugin.name) === 'done') return;
    if (state.get(plugin.name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(plugin.name)), plugin.name];
      throw new PluginBootError(`Plugin dependency cycle: ${cycle.join(' → ')}. Break it by removing one of these dependencies.`, { plugin: plugin.name });
    }
    state.set(plugin.name, 'visiting');
    for (const dep of plugin.dependsOn ?? []) visit(byName.get(dep)!, [...path, plugin.name]);
    state.set(plugin.name, 'done');
    ordered.push(plugin);
  };
  for (const plugin of plugins) visit(plugin, []);
  return ordered;
}
