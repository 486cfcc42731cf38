import type { Logger } from '../logger';
import type { LifecycleBus, TapEntry } from './emitter';
import type { AfterPayload, BeforePayload, CheckPayload } from './hook-map';
import type { TransitionRecord } from './state-store';

/** The stable key a data-changing handler sends with external side effects: operation + plugin + hook. */
export function idempotencyKey(transitionId: string, tap: Pick<TapEntry, 'plugin' | 'name'>, point: string): string {
  return `${transitionId}/${tap.plugin}/${tap.name}/${point}`;
}

function facts(record: TransitionRecord, tap: TapEntry, point: string, signal: AbortSignal, logger: Logger) {
  let child: Logger | undefined;
  return {
    transitionId: record.transitionId, workspaceId: record.workspaceId, transition: record.transition,
    from: record.from, to: record.to, attempt: record.attempt, signal,
    // Made on first use: most handlers never log, and a child logger per handler was a third of dispatch.
    get logger(): Logger {
      return (child ??= logger.child({ plugin: tap.plugin, hook: point }));
    },
  };
}

/**
 * `check:` payloads are frozen facts: no idempotency key, no progress, no data handle of any kind, so
 * a check handler has nothing from core to change data with, and a veto provably leaves nothing behind.
 */
export function checkPayload(record: TransitionRecord, tap: TapEntry, signal: AbortSignal, logger: Logger): CheckPayload {
  const point = `check:${record.transition}`;
  return Object.freeze(Object.assign(facts(record, tap, point, signal, logger), { phase: 'check' })) as unknown as CheckPayload;
}

/** `before:` and `after:` payloads: the facts, the handler's idempotency key and a progress reporter. */
export function changePayload(
  bus: LifecycleBus, record: TransitionRecord, phase: 'before' | 'after', tap: TapEntry, signal: AbortSignal,
  logger: Logger, startedAt: number, deadline: number | undefined,
): BeforePayload | AfterPayload {
  const point = `${phase}:${record.transition}`;
  // Object.assign onto the facts object (not a spread): a spread would call the lazy logger getter.
  return Object.assign(facts(record, tap, point, signal, logger), {
    phase,
    idempotencyKey: idempotencyKey(record.transitionId, tap, point),
    deadline,
    progress: (update: Parameters<BeforePayload['progress']>[0]) =>
      bus.emit('progress', { ...update, workspaceId: record.workspaceId, transitionId: record.transitionId, plugin: tap.plugin, elapsedMs: Math.round(performance.now() - startedAt) }),
  }) as unknown as BeforePayload | AfterPayload;
}
