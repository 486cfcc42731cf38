import type { LifecycleEmitter } from './emitter';
import type { HookRegistry, Tap } from './hook-registry';
import type { HookOutcome, HookPoint, TransitionContext } from './types';

export interface RunOptions {
  /** 'stop-on-error' for before hooks (a failure vetoes), 'collect' for after hooks (run all, report all). */
  mode: 'stop-on-error' | 'collect';
  /** Run only these handlers (a retry re-runs what failed). */
  only?: ReadonlyArray<{ plugin: string; name: string }>;
}

/** Observes every run without touching handlers (tracing, metrics). */
export interface HookInterceptor {
  call?(point: HookPoint, ctx: TransitionContext, taps: readonly Tap[]): void;
  done?(point: HookPoint, ctx: TransitionContext, outcomes: readonly HookOutcome[]): void;
  error?(point: HookPoint, ctx: TransitionContext, outcome: HookOutcome): void;
}

/**
 * Runs a hook point's handlers strictly one after another, each awaited, never fire-and-forget; times
 * each one and reports it on the emitter (`hook:complete` carries durationMs, so a slow plugin shows).
 */
export class HookRunner {
  private readonly interceptors: HookInterceptor[] = [];

  constructor(
    private readonly registry: HookRegistry,
    private readonly emitter: LifecycleEmitter,
  ) {}

  intercept(interceptor: HookInterceptor): void {
    this.interceptors.push(interceptor);
  }

  async run(point: HookPoint, ctx: TransitionContext, options: RunOptions): Promise<HookOutcome[]> {
    const taps = this.registry
      .handlersFor(point)
      .filter((t) => !options.only || options.only.some((o) => o.plugin === t.plugin && o.name === t.name));
    for (const i of this.interceptors) i.call?.(point, ctx, taps);
    const outcomes: HookOutcome[] = [];
    let stopped = false;
    for (const tap of taps) {
      if (stopped || ctx.signal.aborted) {
        outcomes.push({ plugin: tap.plugin, name: tap.name, point, ok: false, durationMs: 0, skipped: true, ...(ctx.signal.aborted && !stopped ? { error: abortError(ctx) } : {}) });
        stopped = true;
        continue;
      }
      const outcome = await this.runOne(tap, point, ctx);
      outcomes.push(outcome);
      if (!outcome.ok) {
        for (const i of this.interceptors) i.error?.(point, ctx, outcome);
        if (options.mode === 'stop-on-error') stopped = true;
      }
    }
    for (const i of this.interceptors) i.done?.(point, ctx, outcomes);
    return outcomes;
  }

  private async runOne(tap: Tap, point: HookPoint, ctx: TransitionContext): Promise<HookOutcome> {
    const started = performance.now();
    const base = { transitionId: ctx.transitionId, workspaceId: ctx.workspaceId, plugin: tap.plugin, name: tap.name, point };
    this.emitter.emit('hook:start', base);
    const handlerCtx: TransitionContext = {
      ...ctx,
      logger: ctx.logger.child({ plugin: tap.plugin, hook: point }),
      progress: (update) =>
        this.emitter.emit('progress', { ...update, workspaceId: ctx.workspaceId, transitionId: ctx.transitionId, plugin: tap.plugin, elapsedMs: Math.round(performance.now() - started) }),
    };
    let outcome: HookOutcome;
    try {
      const result = await tap.handler(handlerCtx);
      outcome = { plugin: tap.plugin, name: tap.name, point, ok: true, durationMs: performance.now() - started, ...(result ? { note: result.note, detail: result.detail } : {}) };
    } catch (err) {
      outcome = { plugin: tap.plugin, name: tap.name, point, ok: false, durationMs: performance.now() - started, error: err instanceof Error ? err : new Error(String(err)) };
    }
    this.emitter.emit('hook:complete', { ...outcome, transitionId: ctx.transitionId, workspaceId: ctx.workspaceId });
    return outcome;
  }
}

function abortError(ctx: TransitionContext): Error {
  return ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('transition aborted');
}
