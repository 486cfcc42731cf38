import { container, inject, injectable } from 'tsyringe';
import { InvalidInputError, PluginBootError } from '../errors';
import { silentLogger } from '../logger';
import { bootstrap } from './bootstrap';
import { createHookPoint } from '../lifecycle/hook-point';
import { definePlugin } from './define-plugin';
import { contribute, contributionsTo, createExtensionPoint } from './extension-point';
import type { PermafrostPlugin, PluginContext } from './types';

class Clock {
  now() {
    return 42;
  }
}

// No @inject: resolving this proves emitDecoratorMetadata works under jest (design:paramtypes).
@injectable()
class Greeter {
  constructor(readonly clock: Clock) {}
}

const plugin = (name: string, dependsOn: string[] = [], extra: Partial<PermafrostPlugin> = {}): PermafrostPlugin => definePlugin({ name, dependsOn, ...extra });
const boot = (plugins: PermafrostPlugin[], initTimeoutMs?: number) => bootstrap({ plugins, logger: silentLogger, initTimeoutMs });
const bootError = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PluginBootError);
  return (err as Error).message;
};

describe('bootstrap', () => {
  it('orders plugins by dependencies, then as given, and inits them in that order', async () => {
    const seen: string[] = [];
    const p = (name: string, deps: string[] = []) => plugin(name, deps, { init: () => void seen.push(`init:${name}`), register: () => void seen.push(`register:${name}`) });
    const app = await boot([p('c', ['b']), p('a'), p('b', ['a']), p('d')]);
    expect(app.pluginOrder).toEqual(['a', 'b', 'c', 'd']);
    expect(seen).toEqual(['register:a', 'register:b', 'register:c', 'register:d', 'init:a', 'init:b', 'init:c', 'init:d']);
  });

  it('refuses a duplicate plugin, a missing dependency and a cycle, naming them, before any plugin runs', async () => {
    const init = jest.fn();
    expect(await bootError(boot([plugin('a', [], { init }), plugin('a')]))).toMatch(/Plugin a is registered twice/);
    expect(await bootError(boot([plugin('a', ['ghost'], { init })]))).toMatch(/Plugin a depends on ghost, which is not registered/);
    expect(await bootError(boot([plugin('a', ['b'], { init }), plugin('b', ['c']), plugin('c', ['a'])]))).toMatch(/cycle: a → b → c → a/);
    expect(init).not.toHaveBeenCalled();
    expect(() => definePlugin({ name: 'Bad Name' })).toThrow(PluginBootError);
  });

  it('names the plugin whose init hangs, and shuts down those already started', async () => {
    const shutdown = jest.fn();
    const message = await bootError(boot([plugin('fast', [], { shutdown }), plugin('slow', ['fast'], { init: () => new Promise(() => undefined) })], 100));
    expect(message).toMatch(/Plugin slow did not finish init\(\) within 100 ms/);
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('an init that throws a typed error fails the boot with that error; any other error becomes PLUGIN_BOOT naming the plugin', async () => {
    const shutdown = jest.fn();
    const typed = new InvalidInputError('the setting x must be a port; nothing was started.', { plugin: 'typed' });
    await expect(boot([plugin('first', [], { shutdown }), plugin('typed', ['first'], { init: () => { throw typed; } })])).rejects.toBe(typed);
    expect(shutdown).toHaveBeenCalledTimes(1);
    const message = await bootError(boot([plugin('plain', [], { init: () => { throw new Error('socket closed'); } })]));
    expect(message).toBe('Plugin plain failed in init(): socket closed');
  });

  it('shuts plugins down in reverse order, once, reporting every failure', async () => {
    const order: string[] = [];
    const app = await boot([
      plugin('a', [], { shutdown: () => void order.push('a') }),
      plugin('b', ['a'], { shutdown: () => { order.push('b'); throw new Error('b broke'); } }),
      plugin('c', ['b'], { shutdown: () => void order.push('c') }),
    ]);
    await expect(app.shutdown()).rejects.toThrow(/1 plugin\(s\) failed to shut down/);
    expect(order).toEqual(['c', 'b', 'a']);
    await app.shutdown().catch(() => undefined);
    expect(order).toEqual(['c', 'b', 'a']);
  });

  it('resolves constructor injection from what plugins provide, in a child container per app', async () => {
    const clocks = plugin('clock', [], { provides: [Clock], register: (c: typeof container) => c.registerSingleton(Clock) });
    const app = await boot([clocks]);
    const greeter = app.resolve(Greeter);
    expect(greeter.clock).toBeInstanceOf(Clock);
    expect(greeter.clock.now()).toBe(42);
    expect(container.isRegistered(Clock)).toBe(false); // the root container was not touched
  });

  it('lets a plugin be unit-tested alone in a fresh child container', () => {
    const TOKEN = Symbol('greeting');
    @injectable()
    class Polite {
      constructor(@inject(TOKEN) readonly greeting: string) {}
    }
    const greetings = plugin('greetings', [], { register: (c: typeof container) => c.registerInstance(TOKEN, 'hello') });
    const child = container.createChildContainer();
    greetings.register!(child, { extensions: { get: () => [] } });
    expect(child.resolve(Polite).greeting).toBe('hello');
  });
});

describe('plugin containers, extension points and plugin-declared hooks', () => {
  class Secret {
    readonly value = 's3cr3t';
  }

  it('keeps a plugin\'s registrations private unless it provides them, and refuses a provide it never registered', async () => {
    const TOKEN = Symbol('private');
    const a = plugin('a', [], { provides: [Secret], register: (c: typeof container) => { c.registerSingleton(Secret); c.registerInstance(TOKEN, 'a only'); } });
    let seenByB: Secret | undefined;
    const b = plugin('b', ['a'], { init: ({ container: c }) => { seenByB = c.resolve(Secret); expect(c.isRegistered(TOKEN, true)).toBe(false); } });
    const app = await boot([a, b]);
    expect(seenByB).toBe(app.resolve(Secret)); // one instance, resolved through the app
    expect(app.container.isRegistered(TOKEN, true)).toBe(false);
    expect(await bootError(boot([plugin('liar', [], { provides: [Secret] })]))).toMatch(/Plugin liar declares it provides Secret but registered none/);
  });

  it('hands an owner the contributions to its extension point, in boot order, and refuses orphans', async () => {
    const CHECKS = createExtensionPoint<{ id: string }>({ owner: 'owner', name: 'checks' });
    let seen: readonly { id: string }[] = [];
    const owner = plugin('owner', [], { register: (_c: typeof container, { extensions }) => void (seen = extensions.get(CHECKS)) });
    const x = plugin('x', ['owner'], { contributes: [contribute(CHECKS, { id: 'x1' }), contribute(CHECKS, { id: 'x2' })] });
    const y = plugin('y', ['owner'], { contributes: [contribute(CHECKS, { id: 'y' })] });
    const app = await boot([y, owner, x]);
    expect(seen.map((c) => c.id)).toEqual(['y', 'x1', 'x2']);
    expect(app.extensions.get(CHECKS)).toEqual(seen);
    expect(contributionsTo(CHECKS, [x, y]).map((c) => c.id)).toEqual(['x1', 'x2', 'y']);
    expect(await bootError(boot([plugin('z', [], { contributes: x.contributes })]))).toMatch(/Plugin z contributes to owner:checks, but its owner owner is not registered/);
  });

  it('runs a plugin-declared hook: typed payload, dependency order, per-handler keys; only its owner may call it', async () => {
    const ARCHIVED = createHookPoint<{ workspaceId: string; rows: number }>({ owner: 'store', name: 'archived' });
    const seen: string[] = [];
    let raise: ((rows: number) => Promise<unknown>) | undefined;
    const store = plugin('store', [], { init: ({ emitter }) => void (raise = (rows) => emitter.call(ARCHIVED, { workspaceId: 'w', rows }, { key: 'op-1' })) });
    const metrics = plugin('metrics', ['store'], { init: ({ emitter }) => emitter.tap(ARCHIVED, (p) => void seen.push(`metrics ${p.rows} ${p.idempotencyKey}`)) });
    const audit = plugin('audit', ['metrics'], {
      init: ({ emitter }) => {
        emitter.tap(ARCHIVED, (p) => void seen.push(`audit ${p.workspaceId}`));
        expect(() => emitter.call(ARCHIVED, { workspaceId: 'w', rows: 0 })).rejects.toThrow(/only a hook's owner raises it/);
      },
    });
    await boot([audit, metrics, store]);
    const outcomes = await raise!(7);
    expect(seen).toEqual(['metrics 7 op-1/metrics/metrics/store:archived', 'audit w']);
    expect(outcomes).toMatchObject([{ plugin: 'metrics', ok: true }, { plugin: 'audit', ok: true }]);
  });

  it('gives no caller a way to tap under another plugin\'s name', async () => {
    const app = await boot([plugin('a')]);
    expect('hooks' in app).toBe(false);
    expect((app.emitter as unknown as { tap?: unknown }).tap).toBeUndefined(); // observers only; the bus is not in the container either
    const ctx: PluginContext[] = [];
    await boot([plugin('b', [], { init: (c) => void ctx.push(c) })]);
    expect(Object.keys(ctx[0]!.emitter)).toEqual(expect.arrayContaining(['tap', 'call', 'on']));
  });
});
