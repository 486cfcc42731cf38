import type { HookHandler, HookPoint, TapOptions } from './types';

export interface Tap {
  point: HookPoint;
  plugin: string;
  name: string;
  stage: number;
  before?: string;
  handler: HookHandler;
  /** Registration sequence, the last tie-breaker. */
  seq: number;
}

/**
 * Where handlers are registered (tapable-style: every tap carries its plugin's name). The order is data,
 * fixed and documented:
 *   1. plugin boot order (dependencies first, then the order given to bootstrap),
 *   2. `before: 'x'` moves a tap ahead of every tap of plugin x,
 *   3. `stage` (lower first), then registration order.
 */
export class HookRegistry {
  private readonly taps: Tap[] = [];
  private pluginRank = new Map<string, number>();
  private seq = 0;

  tap(point: HookPoint, options: TapOptions, handler: HookHandler): void {
    if (typeof handler !== 'function') throw new TypeError(`${options.plugin}: handler for ${point} is not a function`);
    this.taps.push({ point, plugin: options.plugin, name: options.name ?? options.plugin, stage: options.stage ?? 0, before: options.before, handler, seq: this.seq++ });
  }

  /** Called by bootstrap with the plugins in boot order. */
  setPluginOrder(names: readonly string[]): void {
    this.pluginRank = new Map(names.map((name, i) => [name, i]));
  }

  handlersFor(point: HookPoint): Tap[] {
    const rank = (plugin: string) => this.pluginRank.get(plugin) ?? Number.MAX_SAFE_INTEGER;
    const effectiveRank = (tap: Tap) => (tap.before !== undefined ? Math.min(rank(tap.plugin), rank(tap.before) - 0.5) : rank(tap.plugin));
    return this.taps
      .filter((t) => t.point === point)
      .sort((a, b) => effectiveRank(a) - effectiveRank(b) || a.stage - b.stage || a.seq - b.seq);
  }

  /** Every (plugin, name) that has a handler on `point`, for documentation and CLIs. */
  describe(point: HookPoint): Array<{ plugin: string; name: string; stage: number }> {
    return this.handlersFor(point).map(({ plugin, name, stage }) => ({ plugin, name, stage }));
  }
}
