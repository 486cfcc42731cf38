import { container, inject, injectable } from 'tsyringe';
import { PluginBootError } from '../errors';
import { silentLogger } from '../logger';
import { bootstrap } from './bootstrap';
import { definePlugin } from './define-plugin';
import type { PermafrostPlugin } from './types';

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

  it('resolves constructor injection from plugin-registered providers, in a child container per app', async () => {
    const clocks = plugin('clock', [], { register: (c: typeof container) => c.registerSingleton(Clock) });
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
    greetings.register!(child);
    expect(child.resolve(Polite).greeting).toBe('hello');
  });
});
