import type { LifecycleEmitter, LifecycleEvents, TransitionName } from '@permafrost/core/plugin';
import type { PermafrostMetrics } from './metrics';

type Listener<E extends keyof LifecycleEvents> = (payload: LifecycleEvents[E]) => void;

// Error codes become label values: only stable codes (UPPER_SNAKE) pass, so a driver's message or an
// odd code cannot mint series without bound.
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** `code` of a PermafrostError (or any error with a stable code), else UNCODED. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CODE.test(code) ? code : 'UNCODED';
}

/** The failing handler's code under a transition error (HOOK_FAILED caused by COLD_STORAGE_UNREACHABLE, …); `none` without a cause. */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return cause === undefined || cause === null ? 'none' : codeOf(cause);
}

/**
 * Turns lifecycle notifications into metrics. Public notifications only: `transition:*` for results,
 * durations and in-flight, `hook:complete` (every handler run carries plugin, point and durationMs) and
 * storage plugins' `operation:finished`. Returns the unsubscribe, which also takes this app's still
 * running transitions out of the in-flight gauge.
 */
export function observe(emitter: LifecycleEmitter, m: PermafrostMetrics): () => void {
  // By transition id: a retry starts the same transition again, and a failure that never started (none
  // today) must not drive the gauge below zero.
  const inFlight = new Map<string, TransitionName>();
  const settle = (transitionId: string) => {
    const transition = inFlight.get(transitionId);
    if (transition === undefined) return;
    inFlight.delete(transitionId);
    m.inFlight.dec({ transition });
  };

  const listeners: { [E in keyof LifecycleEvents]?: Listener<E> } = {
    'transition:start': (t) => {
      if (inFlight.has(t.transitionId)) return;
      inFlight.set(t.transitionId, t.transition);
      m.inFlight.inc({ transition: t.transition });
    },
    'transition:complete': (t) => {
      settle(t.transitionId);
      m.transitions.inc({ transition: t.transition, result: 'completed' });
      m.transitionDuration.observe({ transition: t.transition, result: 'completed' }, t.durationMs / 1000);
    },
    'transition:failed': (t) => {
      settle(t.transitionId);
      // A failure in the check phase is a veto (core raises TRANSITION_VETOED there, nothing changed).
      const result = t.phase === 'check' ? 'vetoed' : 'failed';
      m.transitions.inc({ transition: t.transition, result });
      m.transitionDuration.observe({ transition: t.transition, result }, t.durationMs / 1000);
      m.failures.inc({ transition: t.transition, code: codeOf(t.error), cause: causeOf(t.error) });
    },
    'hook:complete': (o) => {
      m.hookDuration.observe({ plugin: o.plugin, hook: o.point, result: o.ok ? 'ok' : 'failed' }, o.durationMs / 1000);
    },
    'operation:finished': (e) => {
      const rows = e.kind === 'archive' ? m.rowsArchived : m.rowsRestored;
      for (const t of e.tables) rows.inc({ table: t.table, strategy: e.strategy }, t.rows);
      if (e.bytes !== undefined) (e.kind === 'archive' ? m.bytesArchived : m.bytesRestored).inc({ strategy: e.strategy }, e.bytes);
      m.operationDuration.observe({ kind: e.kind, strategy: e.strategy }, e.durationMs / 1000);
    },
  };
  const entries = Object.entries(listeners) as Array<[keyof LifecycleEvents, Listener<keyof LifecycleEvents>]>;
  for (const [event, listener] of entries) emitter.on(event, listener);
  return () => {
    for (const [event, listener] of entries) emitter.off(event, listener);
    for (const id of [...inFlight.keys()]) settle(id);
  };
}
