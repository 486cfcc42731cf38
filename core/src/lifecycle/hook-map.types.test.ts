// Type tests: `npm run check` (tsc -p tsconfig.tests.json) fails if any @ts-expect-error below stops
// being an error. The function is never called: the taps exist for the compiler only.
import { createHookPoint } from './hook-point';
import type { AfterPayload, BeforePayload, CheckPayload, LifecycleHooks } from './hook-map';
import type { PluginEmitter } from '../plugins/types';

export function typeTests(emitter: PluginEmitter): void {
  // A handler for after:pause receives the pause payload, with literal from/to.
  emitter.tap('after:pause', (p) => {
    const to: 'Paused' = p.to;
    const from: 'Active' = p.from;
    const key: string = p.idempotencyKey;
    void [to, from, key];
  });
  emitter.tap('after:tombstone', (p) => {
    // @ts-expect-error tombstone starts from Active or Paused, not only Active
    const from: 'Active' = p.from;
    void from;
  });

  // tsc rejects a handler written for another hook's payload.
  const onResume = (p: AfterPayload<'resume'>) => void p.to;
  // @ts-expect-error an after:resume handler is not an after:pause handler
  emitter.tap('after:pause', onResume);
  const beforePause = (p: BeforePayload<'pause'>) => void p.progress;
  // @ts-expect-error a before handler is not an after handler (phase differs)
  emitter.tap('after:pause', beforePause);
  // @ts-expect-error a data-changing handler is not a check handler: checks get no idempotency key or progress
  emitter.tap('check:pause', beforePause);
  emitter.tap('check:pause', (p: CheckPayload<'pause'>) => {
    // @ts-expect-error check payloads carry no data handles
    void p.idempotencyKey;
  });
  // @ts-expect-error the set of lifecycle hook points is closed: declare your own with createHookPoint
  emitter.tap('after:delete', () => undefined);

  // Plugin-declared hooks are typed by their point.
  const ARCHIVED = createHookPoint<{ rows: number }>({ owner: 'cold', name: 'archived' });
  emitter.tap(ARCHIVED, (p) => void (p.rows + p.idempotencyKey.length));
  // @ts-expect-error the payload has no `bytes`
  emitter.tap(ARCHIVED, (p) => void p.bytes);
  void emitter.call(ARCHIVED, { rows: 1 });
  // @ts-expect-error the owner must pass the declared payload
  void emitter.call(ARCHIVED, { rows: '1' });

  const payload: LifecycleHooks['before:untombstone'] = null as unknown as BeforePayload<'untombstone'>;
  const to: 'Active' = payload.to;
  void to;
}

describe('typed hook map', () => {
  it('is checked by tsc (see typeTests above)', () => {
    expect(typeof typeTests).toBe('function');
  });
});
