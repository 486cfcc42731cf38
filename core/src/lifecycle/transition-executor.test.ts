import 'reflect-metadata';
import { HookFailedError, IllegalTransitionError, NotFoundError } from '../errors';
import { silentLogger } from '../logger';
import { LifecycleEmitter } from './emitter';
import { HookRegistry } from './hook-registry';
import { HookRunner } from './hook-runner';
import { InMemoryWorkspaceStateStore } from './in-memory-state-store';
import { TransitionExecutor } from './transition-executor';
import { TRANSITIONS, TRANSITION_NAMES, WORKSPACE_STATUSES } from './transitions';
import type { HookHandler, HookPoint } from './types';

// Pure logic: the executor over the in-memory reference store.
function setup() {
  const store = new InMemoryWorkspaceStateStore();
  const registry = new HookRegistry();
  const emitter = new LifecycleEmitter(silentLogger);
  const executor = new TransitionExecutor(store, new HookRunner(registry, emitter), emitter, silentLogger);
  const tap = (point: HookPoint, plugin: string, handler: HookHandler, extra: { stage?: number; before?: string } = {}) => registry.tap(point, { plugin, ...extra }, handler);
  return { store, registry, emitter, executor, tap };
}

describe('TransitionExecutor', () => {
  it.each(WORKSPACE_STATUSES.flatMap((s) => TRANSITION_NAMES.map((t) => [s, t] as const)))('from %s, %s follows the table', async (from, transition) => {
    const { store, executor } = setup();
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
    await expect(setup().executor.execute('nope', 'pause')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('orders handlers by plugin boot order, `before`, stage, then registration', async () => {
    const { registry, executor, store, tap } = setup();
    registry.setPluginOrder(['data', 'cold', 'audit']);
    const seen: string[] = [];
    const rec = (label: string) => () => void seen.push(label);
    tap('after:pause', 'audit', rec('audit'));
    tap('after:pause', 'cold', rec('cold-late'), { stage: 10 });
    tap('after:pause', 'cold', rec('cold'));
    tap('after:pause', 'data', rec('data'));
    tap('after:pause', 'audit', rec('audit-first'), { before: 'data' });
    store.add('w');
    await executor.execute('w', 'pause');
    expect(seen).toEqual(['audit-first', 'data', 'cold', 'cold-late', 'audit']);
  });

  it('awaits each handler before starting the next', async () => {
    const { executor, store, tap } = setup();
    const seen: string[] = [];
    tap('before:pause', 'slow', async () => {
      await new Promise((r) => setTimeout(r, 50));
      seen.push('slow done');
    });
    tap('before:pause', 'next', () => void seen.push('next started'));
    store.add('w');
    await executor.execute('w', 'pause');
    expect(seen).toEqual(['slow done', 'next started']);
  });

  it('a throwing emitter listener does not break the transition', async () => {
    const { executor, store, emitter } = setup();
    emitter.on('transition:start', () => {
      throw new Error('listener bug');
    });
    store.add('w');
    await expect(executor.execute('w', 'pause')).resolves.toMatchObject({ to: 'Paused' });
  });

  it('before failure: nothing changes, later handlers skipped; after failure: recorded, retry completes', async () => {
    const { executor, store, tap } = setup();
    let failAfter = true;
    tap('before:tombstone', 'veto', () => {
      throw new Error('no');
    });
    tap('before:tombstone', 'later', () => undefined);
    store.add('w');
    const veto = await executor.execute('w', 'tombstone').catch((e: HookFailedError) => e);
    expect(veto).toMatchObject({ statusChanged: false, plugin: 'veto' });
    expect((veto as HookFailedError).outcomes.map((o) => [o.plugin, o.ok, o.skipped ?? false])).toEqual([['veto', false, false], ['later', false, true]]);
    expect(store.statuses.get('w')).toBe('Active');

    tap('after:pause', 'flaky', () => {
      if (failAfter) throw new Error('S3 down');
      return { note: 'archived' };
    });
    const err = await executor.execute('w', 'pause').catch((e: HookFailedError) => e);
    expect(err).toMatchObject({ statusChanged: true, plugin: 'flaky' });
    expect(store.statuses.get('w')).toBe('Paused');
    expect(await store.findUnfinishedTransition('w')).toMatchObject({ state: 'failed', phase: 'after', failedHooks: [{ plugin: 'flaky', message: 'S3 down' }] });
    failAfter = false;
    const retried = await executor.retry('w');
    expect(retried).toMatchObject({ retried: true, result: { attempt: 2, outcomes: [{ plugin: 'flaky', ok: true, note: 'archived' }] } });
    expect(await store.findUnfinishedTransition('w')).toBeUndefined();
  });

  it('serializes transitions of one workspace: the second sees the first one\'s result', async () => {
    const { executor, store, tap } = setup();
    tap('before:pause', 'slow', () => new Promise((r) => setTimeout(r, 30)));
    store.add('w');
    const results = await Promise.allSettled([executor.execute('w', 'pause'), executor.execute('w', 'pause')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(IllegalTransitionError);
  });

  it('an aborted signal stops the before hooks and changes nothing', async () => {
    const { executor, store, tap } = setup();
    const controller = new AbortController();
    tap('before:pause', 'first', () => controller.abort(new Error('operator cancelled')));
    tap('before:pause', 'second', () => undefined);
    store.add('w');
    await expect(executor.execute('w', 'pause', { signal: controller.signal })).rejects.toThrow(/operator cancelled/);
    expect(store.statuses.get('w')).toBe('Active');
  });

  it('reports each hook with its duration', async () => {
    const { executor, store, tap, emitter } = setup();
    tap('after:pause', 'slow', () => new Promise((r) => setTimeout(r, 60)));
    const seen: Array<{ plugin: string; durationMs: number }> = [];
    emitter.on('hook:complete', (o) => seen.push(o));
    store.add('w');
    await executor.execute('w', 'pause');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(50);
  });
});
