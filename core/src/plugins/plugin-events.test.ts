import { silentLogger } from '../logger';
import type { OperationFinished } from '../lifecycle/operations';
import { bootstrap } from './bootstrap';
import { definePlugin } from './define-plugin';
import { PLUGIN_EMITTER } from './plugin-emitter';
import type { PluginEmitter } from './types';

const finished: OperationFinished = {
  workspaceId: 'w', operationId: 'op-1', kind: 'archive', strategy: 'table', rows: 12, bytes: 4096,
  tables: [{ table: 'user_events_v2', rows: 10 }, { table: 'internal_events', rows: 2 }], durationMs: 5,
};

class Mover {
  constructor(private readonly emitter: PluginEmitter) {}
  done() {
    this.emitter.emit('operation:finished', finished);
  }
}

// operation:finished: the one notification plugins publish; core stamps the publisher.
describe('plugin-published notifications', () => {
  it('reaches observers stamped with the publishing plugin, from init and from a service built in register()', async () => {
    let fromInit: PluginEmitter | undefined;
    const mover = definePlugin({
      name: 'mover',
      provides: [Mover],
      register: (c) => c.register(Mover, { useFactory: (own) => new Mover(own.resolve<PluginEmitter>(PLUGIN_EMITTER)) }),
      init: ({ emitter }) => void (fromInit = emitter),
    });
    const app = await bootstrap({ plugins: [mover], logger: silentLogger });
    const seen: unknown[] = [];
    app.emitter.on('operation:finished', (e) => void seen.push(e));
    const wildcard: string[] = [];
    app.emitter.onAny('operation:*', (_, event) => void wildcard.push(event));
    app.resolve(Mover).done();
    fromInit!.emit('operation:finished', { ...finished, operationId: 'op-2', kind: 'restore' });
    expect(seen).toEqual([{ ...finished, plugin: 'mover' }, { ...finished, operationId: 'op-2', kind: 'restore', plugin: 'mover' }]);
    expect(wildcard).toEqual(['operation:finished', 'operation:finished']);
  });

  it('cannot be spoofed: the plugin name is core\'s, and core\'s own notifications cannot be published', async () => {
    let emitter: PluginEmitter | undefined;
    const app = await bootstrap({ plugins: [definePlugin({ name: 'honest', init: (ctx) => void (emitter = ctx.emitter) })], logger: silentLogger });
    const seen: Array<{ plugin: string }> = [];
    app.emitter.on('operation:finished', (e) => void seen.push(e));
    emitter!.emit('operation:finished', { ...finished, plugin: 'someone-else' } as OperationFinished);
    expect(seen.map((e) => e.plugin)).toEqual(['honest']);
    const completes: unknown[] = [];
    app.emitter.on('transition:complete', (e) => void completes.push(e));
    expect(() => (emitter!.emit as (e: string, p: unknown) => void)('transition:complete', {})).toThrow(/transition:complete is not a notification plugins publish/);
    expect(completes).toEqual([]);
  });
});

// Type test (never called): only PluginEvents names, with their payloads.
export function typeTests(emitter: PluginEmitter): void {
  // @ts-expect-error core's notifications are not plugins' to publish
  emitter.emit('transition:complete', {});
  // @ts-expect-error the payload must be a whole OperationFinished
  emitter.emit('operation:finished', { workspaceId: 'w' });
  emitter.emit('operation:finished', finished);
}
