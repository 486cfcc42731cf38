import { HookFailedError, HookTimeoutError, IllegalTransitionError, NotFoundError, TransitionVetoedError } from '../errors';
import type { AfterPayload } from './hook-map';
import { tapper, testApp } from '../testing/test-app';
import { TRANSITIONS, TRANSITION_NAMES, WORKSPACE_STATUSES } from './transitions';

// Pure logic: the executor over the in-memory reference store, booted as an app would be.
describe('TransitionExecutor', () => {
  it.each(WORKSPACE_STATUSES.flatMap((s) => TRANSITION_NAMES.map((t) => [s, t] as const)))('from %s, %s follows the table', async (from, transition) => {
    const { store, executor } = await testApp();
    store.add('w', from);
    if (TRANSITIONS[transition].from.includes(from)) {
      await executor.execute('w', transition);
      expect(store.statuses.get('w')).toBe(TRANSITIONS[transition].to);
    } else {
      await expect(executor.execute('w', transition)).rejects.toBeInstanceOf(IllegalTransitionError);
      expect(store.statuses.get('w')).toBe(from);
    }
  });

  it('unknown workspace → NotFoundError', async () => {
    await expect((await testApp()).executor.execute('nope', 'pause')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('orders handlers by plugin boot order, `before`, stage, then registration', async () => {
    const seen: string[] = [];
    const rec = (label: string) => () => void seen.push(label);
    const { executor } = await testApp([
      tapper('audit', (e) => {
        e.tap('after:pause', rec('audit'));
        e.tap('after:pause', rec('audit-first'), { name: 'first', before: 'data' });
      }, ['cold']),
      tapper('cold', (e) => {
        e.tap('after:pause', rec('cold-late'), { name: 'late', stage: 10 });
        e.tap('after:pause', rec('cold'));
      }, ['data']),
      tapper('data', (e) => e.tap('after:pause', rec('data'))),
    ]);
    await executor.execute('w', 'pause');
    expect(seen).toEqual(['audit-first', 'data', 'cold', 'cold-late', 'audit']);
  });

  it('runs check, before, commit, after in that order, each handler awaited before the next', async () => {
    const seen: string[] = [];
    const { executor, store } = await testApp([
      tapper('a', (e) => {
        e.tap('after:pause', () => void seen.push(`after (status ${store.statuses.get('w')})`));
        e.tap('before:pause', async () => {
          await new Promise((r) => setTimeout(r, 50));
          seen.push(`before slow (status ${store.statuses.get('w')})`);
        });
        e.tap('check:pause', () => void seen.push('check'));
      }),
      tapper('b', (e) => e.tap('before:pause', () => void seen.push('before next'))),
    ]);
    await executor.execute('w', 'pause');
    expect(seen).toEqual(['check', 'before slow (status Active)', 'before next', 'after (status Paused)']);
  });

  it('a throwing notification listener does not break the transition', async () => {
    const { executor, app } = await testApp();
    app.emitter.on('transition:start', () => {
      throw new Error('listener bug');
    });
    await expect(executor.execute('w', 'pause')).resolves.toMatchObject({ to: 'Paused' });
  });

  it('a check veto changes nothing: no before handler runs, nothing to retry', async () => {
    const before = jest.fn();
    const { executor, store } = await testApp([
      tapper('data', (e) => e.tap('before:tombstone', before)),
      tapper('policy', (e) => e.tap('check:tombstone', () => { throw new Error('legal hold'); }), ['data']),
      tapper('later', (e) => e.tap('check:tombstone', () => undefined), ['policy']),
    ]);
    const err = await executor.execute('w', 'tombstone').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransitionVetoedError);
    expect(err).toMatchObject({ code: 'TRANSITION_VETOED', statusChanged: false, plugin: 'policy', hook: 'check:tombstone' });
    expect((err as Error).message).toMatch(/vetoed by policy in check:tombstone: legal hold\. Nothing was changed; the workspace is still Active/);
    expect((err as TransitionVetoedError).outcomes.map((o) => [o.plugin, o.ok, o.skipped ?? false])).toEqual([['policy', false, false], ['later', false, true]]);
    expect(before).not.toHaveBeenCalled();
    expect(store.statuses.get('w')).toBe('Active');
    expect(await executor.retry('w')).toMatchObject({ retried: false, reason: expect.stringMatching(/nothing was changed/) });
  });

  it('a before failure keeps the status, says what was done, and retry runs only what did not complete', async () => {
    const calls: string[] = [];
    const keys: string[] = [];
    let failBilling = true;
    const { executor, store } = await testApp([
      tapper('restore', (e) => e.tap('before:resume', (p) => { calls.push(`restore#${p.attempt}`); keys.push(p.idempotencyKey); })),
      tapper('billing', (e) => e.tap('before:resume', (p) => {
        calls.push(`billing#${p.attempt}`);
        keys.push(p.idempotencyKey);
        if (failBilling) throw new Error('billing down');
      }), ['restore']),
      tapper('notify', (e) => e.tap('after:resume', (p) => void calls.push(`notify#${p.attempt}`)), ['billing']),
    ]);
    store.add('w', 'Paused');
    const err = await executor.execute('w', 'resume').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookFailedError);
    expect(err).toMatchObject({ statusChanged: false, plugin: 'billing', hook: 'before:resume', completed: [{ plugin: 'restore', name: 'restore', point: 'before:resume' }] });
    expect((err as Error).message).toMatch(/Already done: restore\/restore \(before:resume\)\. The status was not committed: the workspace is still Paused\. .*retryTransition/);
    expect(store.statuses.get('w')).toBe('Paused');
    expect(await store.findUnfinishedTransition('w')).toMatchObject({ state: 'failed', phase: 'before', completedHooks: [{ plugin: 'restore' }], failedHooks: [{ plugin: 'billing', message: 'billing down' }] });

    failBilling = false;
    const retried = await executor.retry('w');
    expect(retried).toMatchObject({ retried: true, result: { attempt: 2, to: 'Active' } });
    expect(calls).toEqual(['restore#1', 'billing#1', 'billing#2', 'notify#2']);
    expect(keys[1]).toBe(keys[2]); // billing's key is the same on the retry
    expect(keys[0]).not.toBe(keys[1]);
    expect(store.statuses.get('w')).toBe('Active');
    expect(await store.findUnfinishedTransition('w')).toBeUndefined();
  });

  it('retry after an after failure re-runs only the handlers that failed, with the same idempotency key', async () => {
    const runs = { audit: 0, webhook: 0 };
    const keys: string[] = [];
    let down = true;
    const { executor, store } = await testApp([
      tapper('audit', (e) => e.tap('after:pause', () => void (runs.audit += 1))),
      tapper('webhook', (e) => e.tap('after:pause', (p) => {
        runs.webhook += 1;
        keys.push(p.idempotencyKey);
        if (down) throw new Error('503');
        return { note: 'delivered' };
      })),
    ]);
    const err = await executor.execute('w', 'pause').catch((e: HookFailedError) => e);
    expect(err).toMatchObject({ statusChanged: true, plugin: 'webhook', completed: [{ plugin: 'audit' }] });
    expect(store.statuses.get('w')).toBe('Paused');
    down = false;
    const retried = await executor.retry('w');
    expect(retried).toMatchObject({ retried: true, result: { attempt: 2 } });
    if (retried.retried) {
      expect(retried.result.outcomes.map((o) => [o.plugin, o.ok, o.alreadyCompleted ?? false, o.note])).toEqual([['audit', true, true, undefined], ['webhook', true, false, 'delivered']]);
    }
    expect(runs).toEqual({ audit: 1, webhook: 2 });
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}\/webhook\/webhook\/after:pause$/);
    expect(await executor.retry('w')).toMatchObject({ retried: false });
  });

  it('hands each hook point its own payload', async () => {
    const seen: AfterPayload<'pause'>[] = [];
    const { executor } = await testApp([tapper('p', (e) => e.tap('after:pause', (p) => void seen.push(p)))]);
    await executor.execute('w', 'pause');
    expect(seen[0]).toMatchObject({ phase: 'after', transition: 'pause', from: 'Active', to: 'Paused', attempt: 1, workspaceId: 'w' });
    expect(typeof seen[0]!.progress).toBe('function');
  });

  it('a handler past its timeout fails with HookTimeoutError naming it, and its signal is aborted', async () => {
    let aborted: unknown;
    const { executor, store } = await testApp([
      tapper('slow', (e) => e.tap('before:pause', (p) => new Promise((resolve) => p.signal.addEventListener('abort', () => { aborted = p.signal.reason; resolve(); })), { timeoutMs: 30 })),
    ]);
    const err = (await executor.execute('w', 'pause').catch((e: unknown) => e)) as HookFailedError;
    expect(err.cause).toBeInstanceOf(HookTimeoutError);
    expect(err.cause).toMatchObject({ code: 'HOOK_TIMEOUT', plugin: 'slow', hook: 'before:pause', timeoutMs: 30 });
    expect(aborted).toBe(err.cause);
    expect(store.statuses.get('w')).toBe('Active');
  });

  it('serializes transitions of one workspace: the second sees the first one\'s result', async () => {
    const { executor } = await testApp([tapper('slow', (e) => e.tap('before:pause', () => new Promise((r) => setTimeout(r, 30))))]);
    const results = await Promise.allSettled([executor.execute('w', 'pause'), executor.execute('w', 'pause')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(IllegalTransitionError);
  });

  it('an aborted signal stops the handlers and keeps the status', async () => {
    const controller = new AbortController();
    const { executor, store } = await testApp([
      tapper('first', (e) => e.tap('before:pause', () => controller.abort(new Error('operator cancelled')))),
      tapper('second', (e) => e.tap('before:pause', () => undefined)),
    ]);
    await expect(executor.execute('w', 'pause', { signal: controller.signal })).rejects.toThrow(/operator cancelled/);
    expect(store.statuses.get('w')).toBe('Active');
  });

  it('reports each hook with its duration, and wildcard observers see every notification', async () => {
    const { executor, app } = await testApp([tapper('slow', (e) => e.tap('after:pause', () => new Promise((r) => setTimeout(r, 60))))]);
    const seen: Array<{ plugin: string; durationMs: number }> = [];
    const events: string[] = [];
    app.emitter.on('hook:complete', (o) => seen.push(o));
    app.emitter.onAny('transition:*', (_, event) => events.push(event));
    await executor.execute('w', 'pause');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(50);
    expect(events).toEqual(['transition:start', 'transition:status-changed', 'transition:complete']);
  });
});
