import { PermafrostError, IllegalTransitionError } from '../errors';
import { tapper, testApp } from '../testing/test-app';

class S3DownError extends PermafrostError {
  readonly code = 'COLD_STORAGE_UNREACHABLE';
}

// Pure logic over the in-memory store: what a failed or crashed transition leaves for an operator to read.
describe('TransitionExecutor: unfinished transitions and failure records', () => {
  it('the same transition again after a crash past the commit: ILLEGAL_TRANSITION names the unfinished transition and how to finish it', async () => {
    const { executor, store } = await testApp();
    // What a process killed after the status commit, before its after: hooks, leaves behind.
    store.statuses.set('w', 'Paused');
    await store.saveTransition({
      transitionId: 't-1', workspaceId: 'w', transition: 'pause', from: 'Active', to: 'Paused',
      state: 'running', phase: 'after', attempt: 1, completedHooks: [], failedHooks: [], startedAt: new Date(),
    });
    for (const call of [() => executor.execute('w', 'pause'), () => executor.check('w', 'pause')]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect(err).toMatchObject({ code: 'ILLEGAL_TRANSITION', unfinishedTransitionId: 't-1', workspaceId: 'w', from: 'Paused', transition: 'pause' });
      expect((err as Error).message).toMatch(/Nothing was changed\. Transition t-1 \(pause, running in its after phase, attempt 1\) is unfinished: `permafrost retry w` \(retryTransition\) finishes it\./);
    }
    expect(await executor.retry('w')).toMatchObject({ retried: true, result: { attempt: 2, to: 'Paused' } });
    const after = await executor.execute('w', 'pause').catch((e: unknown) => e);
    expect(after).toBeInstanceOf(IllegalTransitionError);
    expect((after as IllegalTransitionError).unfinishedTransitionId).toBeUndefined();
    expect((after as Error).message).not.toMatch(/unfinished/);
  });

  it('a veto leaves nothing to finish: the illegal-transition message does not point at it', async () => {
    const { executor, store } = await testApp([tapper('policy', (e) => e.tap('check:resume', () => { throw new Error('legal hold'); }))]);
    store.add('w', 'Paused');
    await executor.execute('w', 'resume').catch(() => undefined);
    const err = await executor.execute('w', 'pause').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect((err as IllegalTransitionError).unfinishedTransitionId).toBeUndefined();
  });

  it('a failed attempt records its code, the handler\'s code, and stays in the failure history after a successful retry', async () => {
    let down = true;
    const { executor, store } = await testApp([
      tapper('cold', (e) => e.tap('after:pause', () => {
        if (down) throw new S3DownError('S3 did not answer');
      }, { name: 'archive' })),
    ]);
    await executor.execute('w', 'pause').catch(() => undefined);
    const failed = await store.findUnfinishedTransition('w');
    expect(failed).toMatchObject({
      state: 'failed', errorCode: 'HOOK_FAILED', error: 'cold: S3 did not answer',
      failedHooks: [{ plugin: 'cold', name: 'archive', point: 'after:pause', code: 'COLD_STORAGE_UNREACHABLE' }],
      failures: [{ attempt: 1, phase: 'after', code: 'HOOK_FAILED', failedHooks: [{ code: 'COLD_STORAGE_UNREACHABLE' }] }],
    });
    await executor.retry('w').catch(() => undefined); // still down: attempt 2 fails too
    down = false;
    await executor.retry('w');
    const done = await store.getTransition(failed!.transitionId);
    expect(done).toMatchObject({ state: 'completed', attempt: 3, failedHooks: [] });
    expect(done!.error).toBeUndefined();
    expect(done!.errorCode).toBeUndefined();
    expect(done!.failures!.map((f) => [f.attempt, f.code, f.failedHooks[0]?.code])).toEqual([[1, 'HOOK_FAILED', 'COLD_STORAGE_UNREACHABLE'], [2, 'HOOK_FAILED', 'COLD_STORAGE_UNREACHABLE']]);
  });
});
