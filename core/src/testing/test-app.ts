// Test helper (excluded from the build with the tests): an app over the in-memory store, plugins built from taps.
import { bootstrap, type BootstrapOptions } from '../plugins/bootstrap';
import { definePlugin } from '../plugins/define-plugin';
import type { PermafrostPlugin, PluginEmitter } from '../plugins/types';
import { silentLogger } from '../logger';
import { InMemoryWorkspaceStateStore } from '../lifecycle/in-memory-state-store';
import { WORKSPACE_STATE_STORE } from '../lifecycle/state-store';

export async function testApp(plugins: PermafrostPlugin[] = [], options: Partial<BootstrapOptions> = {}) {
  const store = new InMemoryWorkspaceStateStore();
  const state = definePlugin({ name: 'state', provides: [WORKSPACE_STATE_STORE], register: (c) => c.registerInstance(WORKSPACE_STATE_STORE, store) });
  const app = await bootstrap({ plugins: [state, ...plugins], logger: silentLogger, ...options });
  store.add('w');
  return { store, app, executor: app.executor };
}

/** A plugin whose init taps through its bound emitter. */
export const tapper = (name: string, taps: (emitter: PluginEmitter) => void, dependsOn: string[] = []) =>
  definePlugin({ name, dependsOn, init: ({ emitter }) => taps(emitter) });
