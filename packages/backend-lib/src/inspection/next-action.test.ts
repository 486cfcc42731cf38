import { describeAction, nextAction, type NextActionFacts } from './next-action';

// Pure logic: no stack. Each case is one situation an operator meets, and the action it calls for.
const WS = '11111111-1111-4111-8111-111111111111';
const base: NextActionFacts = { workspaceId: WS, status: 'Active', latestTransition: null, lockHeld: false, latestOperation: null, hotRows: 0, coldRows: 0 };
const pause = (state: string, phase: string) => ({ id: 't1', transition: 'pause', state, phase, from: 'Active', to: 'Paused' });
const resume = (state: string, phase: string) => ({ id: 't2', transition: 'resume', state, phase, from: 'Paused', to: 'Active' });

describe('nextAction', () => {
  it('a healthy Active workspace with hot events needs nothing (plan used to say "archive")', () => {
    expect(nextAction({ ...base, hotRows: 2400 })).toMatchObject({ action: 'none', command: null });
  });

  it('a failed pause (archive after the commit) is retried', () => {
    const a = nextAction({ ...base, status: 'Paused', latestTransition: pause('failed', 'after'), latestOperation: { id: 'o1', operation: 'archive', state: 'failed' }, hotRows: 3000, coldRows: 1200 });
    expect(a).toEqual({ action: 'retry', operation: 'pause', targetId: 't1', command: `permafrost retry ${WS}`, reason: expect.stringMatching(/failed in its after phase/) });
    expect(describeAction(a)).toBe('retry pause');
  });

  it('a failed resume (restore before the commit) is retried, status still Paused', () => {
    expect(nextAction({ ...base, status: 'Paused', latestTransition: resume('failed', 'before'), latestOperation: { id: 'o2', operation: 'restore', state: 'failed' } }))
      .toMatchObject({ action: 'retry', operation: 'resume', targetId: 't2' });
  });

  it('a transition left running: wait while its lock is held, retry once nobody holds it', () => {
    const facts = { ...base, status: 'Paused' as const, latestTransition: pause('running', 'after') };
    expect(nextAction({ ...facts, lockHeld: true })).toMatchObject({ action: 'wait', operation: 'pause', command: null });
    expect(nextAction({ ...facts, lockHeld: false })).toMatchObject({ action: 'retry', operation: 'pause', reason: expect.stringMatching(/left running/) });
  });

  it('a queued transition: wait for its worker', () => {
    expect(nextAction({ ...base, latestTransition: pause('queued', 'before') })).toMatchObject({ action: 'wait', command: 'permafrost wait t1' });
  });

  it('a veto or a transition whose status moved on cannot be finished: the data decides', () => {
    expect(nextAction({ ...base, latestTransition: pause('failed', 'check'), hotRows: 10 })).toMatchObject({ action: 'none' });
    expect(nextAction({ ...base, status: 'Tombstoned', latestTransition: resume('failed', 'before'), hotRows: 5 })).toMatchObject({ action: 'archive' });
  });

  it('Paused or Tombstoned with hot rows (late events): archive', () => {
    for (const status of ['Paused', 'Tombstoned'] as const) {
      expect(nextAction({ ...base, status, latestTransition: pause('completed', 'after'), hotRows: 7 })).toMatchObject({ action: 'archive', command: `permafrost archive ${WS}`, reason: expect.stringContaining('7 hot events') });
    }
  });

  it('Active with cold rows: restore, queued by reconcile', () => {
    expect(nextAction({ ...base, coldRows: 12 })).toMatchObject({ action: 'restore', command: 'permafrost reconcile' });
  });

  it('an unfinished cold operation outside any transition is finished the way it started', () => {
    const archive = { id: 'o1', operation: 'archive', state: 'failed' };
    const restore = { id: 'o2', operation: 'restore', state: 'failed' };
    expect(nextAction({ ...base, status: 'Paused', latestOperation: archive })).toMatchObject({ action: 'retry', operation: 'archive', command: `permafrost archive ${WS}` });
    expect(nextAction({ ...base, status: 'Paused', latestOperation: restore })).toMatchObject({ action: 'resume', command: `permafrost resume ${WS}` });
    expect(nextAction({ ...base, status: 'Tombstoned', latestOperation: restore })).toMatchObject({ action: 'untombstone' });
    expect(nextAction({ ...base, status: 'Active', latestOperation: restore })).toMatchObject({ action: 'restore', command: 'permafrost reconcile' });
    expect(nextAction({ ...base, status: 'Paused', latestOperation: { ...archive, state: 'running' }, lockHeld: true })).toMatchObject({ action: 'wait' });
    expect(nextAction({ ...base, status: 'Paused', latestOperation: { ...archive, state: 'superseded' } })).toMatchObject({ action: 'none' });
  });

  it('unmeasured data says so instead of claiming all is well', () => {
    expect(nextAction({ ...base, status: 'Paused', hotRows: null, coldRows: null }).reason).toMatch(/hot rows not known/);
    expect(nextAction({ ...base, hotRows: null, coldRows: null }).reason).toMatch(/cold rows not known/);
    expect(nextAction(base).reason).toMatch(/data matches the status/);
  });
});
