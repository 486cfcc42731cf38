import { IllegalTransitionError, TransitionInProgressError, TransitionVetoedError } from '../errors';
import { tapper, testApp } from '../testing/test-app';

// Pure logic: the asynchronous halves (check now, finish in a job) over the in-memory store.
describe('TransitionExecutor check + finish', () => {
  it('check: a veto throws and records nothing; a pass returns a queued record and changes nothing', async () => {
    const { executor, store } = await testApp([tapper('guard', (e) => e.tap('check:pause', (p) => {
      if (p.workspaceId === 'no') throw new Error('refused');
    }))]);
    store.add('no');
    store.add('w');
    await expect(executor.check('no', 'pause')).rejects.toBeInstanceOf(TransitionVetoedError);
    const record = await executor.check('w', 'pause');
    expect(record).toMatchObject({ workspaceId: 'w', state: 'queued', phase: 'before', from: 'Active', to: 'Paused', attempt: 1 });
    expect(store.records.size).toBe(0);
    expect(store.statuses.get('w')).toBe('Active');
  });

  it('finish runs a queued record from before: once; again it runs nothing', async () => {
    const runs: string[] = [];
    const { executor, store } = await testApp([tapper('rec', (e) => {
      e.tap('before:pause', (p) => void runs.push(`before ${p.attempt}`));
      e.tap('after:pause', (p) => void runs.push(`after ${p.attempt}`));
    })]);
    store.add('w');
    const record = await executor.check('w', 'pause');
    await store.saveTransition(record);
    await expect(executor.execute('w', 'tombstone')).rejects.toBeInstanceOf(TransitionInProgressError);
    expect(await executor.finish(record.transitionId)).toMatchObject({ retried: true, result: { attempt: 1 } });
    expect(await executor.finish(record.transitionId)).toMatchObject({ retried: false });
    expect(runs).toEqual(['before 1', 'after 1']);
    expect(store.statuses.get('w')).toBe('Paused');
  });

  it('finish of a queued record whose status moved on fails it and changes nothing', async () => {
    const { executor, store } = await testApp();
    store.add('w');
    const record = await executor.check('w', 'pause');
    await store.saveTransition(record);
    store.statuses.set('w', 'Tombstoned');
    await expect(executor.finish(record.transitionId)).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await store.getTransition(record.transitionId)).toMatchObject({ state: 'failed' });
    expect(store.statuses.get('w')).toBe('Tombstoned');
  });

  it('finish after a failed after: hook runs only what did not complete', async () => {
    let fail = true;
    const runs: string[] = [];
    const { executor, store } = await testApp([tapper('rec', (e) => {
      e.tap('after:pause', () => void runs.push('ok'), { name: 'ok' });
      e.tap('after:pause', () => {
        runs.push('flaky');
        if (fail) throw new Error('down');
      }, { name: 'flaky' });
    })]);
    store.add('w');
    const record = await executor.check('w', 'pause');
    await store.saveTransition(record);
    await expect(executor.finish(record.transitionId)).rejects.toThrow(/down/);
    fail = false;
    expect(await executor.finish(record.transitionId)).toMatchObject({ retried: true, result: { attempt: 2 } });
    expect(runs).toEqual(['ok', 'flaky', 'flaky']);
  });
});
