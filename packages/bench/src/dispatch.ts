import 'reflect-metadata';
import { bootstrap, silentLogger } from '@permafrost/core';
import { definePlugin, InMemoryWorkspaceStateStore, WORKSPACE_STATE_STORE, TRANSITION_NAMES, type PermafrostPlugin } from '@permafrost/core/plugin';
import { median, round } from './stats';

/** Per-transition overhead of the hook machinery: 20 no-op plugins on every point, in-memory state. */
export async function benchDispatch(plugins = 20, transitions = 4000): Promise<{ plugins: number; transitions: number; medianUs: number; baselineUs: number; perHandlerUs: number }> {
  const measure = async (count: number) => {
    const store = new InMemoryWorkspaceStateStore();
    const noop: PermafrostPlugin[] = Array.from({ length: count }, (_, i) => definePlugin({
      name: `noop-${i}`,
      provides: i === 0 ? [WORKSPACE_STATE_STORE] : [],
      register: i === 0 ? (c) => c.registerInstance(WORKSPACE_STATE_STORE, store) : undefined,
      init({ emitter }) {
        for (const t of TRANSITION_NAMES) {
          emitter.tap(`before:${t}`, () => undefined);
          emitter.tap(`after:${t}`, () => undefined);
        }
      },
    }));
    const state = definePlugin({ name: 'state', provides: [WORKSPACE_STATE_STORE], register: (c) => c.registerInstance(WORKSPACE_STATE_STORE, store) });
    const app = await bootstrap({ plugins: count === 0 ? [state] : noop, logger: silentLogger });
    store.add('w');
    const samples: number[] = [];
    for (let i = 0; i < transitions; i++) {
      const started = process.hrtime.bigint();
      await app.executor.execute('w', i % 2 === 0 ? 'pause' : 'resume');
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    await app.shutdown();
    return median(samples.slice(Math.floor(transitions / 10))); // the first tenth warms the JIT
  };
  const baselineUs = await measure(0);
  const medianUs = await measure(plugins);
  return { plugins, transitions, medianUs: round(medianUs, 1), baselineUs: round(baselineUs, 1), perHandlerUs: round((medianUs - baselineUs) / (plugins * 2), 2) };
}
