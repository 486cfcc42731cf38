import { buildProject, testTempDir } from '@permafrost/dev-stack/testing';
import { startFaultEnvironment, type FaultEnvironment } from './fault-env';
import { recordFault, runWorker, type WorkerRun } from './harness';

// Fault suite (run alone: npm run test:faults). Real processes: an S3 server (s3rver) this test stops
// and starts, a Postgres, and fault workers, each loading chDB on one shared engine directory, killed
// with SIGKILL at checkpoints. Every case ends with exact counts: nothing lost, nothing doubled.
const EVENTS = 2400;

describe('faults: S3 outages and killed processes', () => {
  const dataDir = testTempDir('faults');
  let f: FaultEnvironment;
  let env: NodeJS.ProcessEnv;
  const startS3 = () => f.startS3();

  beforeAll(async () => {
    buildProject('packages/bench');
    f = await startFaultEnvironment(dataDir, 'faults');
    env = f.env;
  });
  afterAll(async () => f?.stop());

  const ok = (run: WorkerRun) => {
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(0);
    return run.result;
  };
  const seed = async () => ok(await runWorker(['seed', String(EVENTS), '2'], env)) as { ids: [string, string]; snapshots: [unknown, unknown] };

  /** Counts at the end of a case: the workspace must hold exactly its events again, neighbour untouched. */
  const settle = async (name: string, injected: number, ws: string, before: unknown, neighbour: string, neighbourBefore: unknown, where: 'hot' | 'cold') => {
    const state = ok(await runWorker(['verify', ws], env));
    const n = ok(await runWorker(['verify', neighbour], env));
    const total = where === 'hot' ? state.hot : state.cold;
    const distinct = where === 'hot' ? state.hotDistinct : state.coldDistinct;
    const lost = EVENTS - distinct;
    const duplicated = total - distinct;
    recordFault({ case: name, injected, lost, duplicated });
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    if (where === 'hot') expect(state.snapshot).toEqual(before);
    expect(n.snapshot).toEqual(neighbourBefore);
    return state;
  };

  it('S3 stopped in the middle of an archive: typed failure, hot rows intact; S3 back, retry finishes', async () => {
    const { ids: [ws, neighbour], snapshots: [before, neighbourBefore] } = await seed();
    let stopping: Promise<void> | undefined;
    const run = await runWorker(['transition', ws, 'pause'], env, (line) => {
      if (line.progress?.n === 3 && !stopping) stopping = f.stopS3();
    });
    await stopping;
    expect(run.code).toBe(1);
    expect(run.error).toMatchObject({ code: 'HOOK_FAILED', causeCode: 'COLD_STORAGE_UNREACHABLE' });
    await startS3();
    const mid = ok(await runWorker(['verify', ws], env));
    expect(mid).toMatchObject({ status: 'Paused', coldState: 'failed', hot: EVENTS });
    expect(ok(await runWorker(['retry', ws], env))).toMatchObject({ retried: true });
    const after = await settle('s3 down mid-archive', 1, ws, before, neighbour, neighbourBefore, 'cold');
    expect(after).toMatchObject({ coldState: 'archived', hot: 0, cold: EVENTS });
    ok(await runWorker(['transition', ws, 'resume'], env));
    await settle('s3 down mid-archive (round trip)', 0, ws, before, neighbour, neighbourBefore, 'hot');
  });

  it('S3 stopped in the middle of a restore: the resume is vetoed, each month hot or cold, never both; S3 back, resume finishes', async () => {
    const { ids: [ws, neighbour], snapshots: [before, neighbourBefore] } = await seed();
    ok(await runWorker(['transition', ws, 'pause'], env));
    let stopping: Promise<void> | undefined;
    const run = await runWorker(['transition', ws, 'resume'], env, (line) => {
      if (line.progress?.n === 4 && !stopping) stopping = f.stopS3();
    });
    await stopping;
    expect(run.error).toMatchObject({ code: 'HOOK_FAILED', causeCode: 'COLD_STORAGE_UNREACHABLE' });
    await startS3();
    const halfway = ok(await runWorker(['verify', ws], env));
    expect(halfway).toMatchObject({ status: 'Paused', coldState: 'failed' });
    // Months restored before S3 went away were freed as they moved; the others are still cold.
    expect(halfway.cold).toBeGreaterThan(0);
    expect(halfway.hot + halfway.cold).toBe(EVENTS);
    ok(await runWorker(['transition', ws, 'resume'], env));
    const after = await settle('s3 down mid-restore', 1, ws, before, neighbour, neighbourBefore, 'hot');
    expect(after).toMatchObject({ status: 'Active', coldState: 'none', cold: 0 });
  });

  it.each([1, 4, 8, 12])('archive process SIGKILLed at checkpoint %i: a new process finishes it', async (killAt) => {
    const { ids: [ws, neighbour], snapshots: [before, neighbourBefore] } = await seed();
    const killed = await runWorker(['transition', ws, 'pause', String(killAt)], env);
    expect(killed.signal).toBe('SIGKILL');
    expect(ok(await runWorker(['retry', ws], env))).toMatchObject({ retried: true });
    const after = await settle(`archive killed at checkpoint ${killAt}`, 1, ws, before, neighbour, neighbourBefore, 'cold');
    expect(after).toMatchObject({ status: 'Paused', coldState: 'archived', hot: 0 });
    ok(await runWorker(['transition', ws, 'resume'], env));
    await settle(`archive killed at checkpoint ${killAt} (round trip)`, 0, ws, before, neighbour, neighbourBefore, 'hot');
  });

  it.each([1, 6, 14, 20])('restore process SIGKILLed at checkpoint %i: retry finishes the resume', async (killAt) => {
    const { ids: [ws, neighbour], snapshots: [before, neighbourBefore] } = await seed();
    ok(await runWorker(['transition', ws, 'pause'], env));
    const killed = await runWorker(['transition', ws, 'resume', String(killAt)], env);
    expect(killed.signal).toBe('SIGKILL');
    // The resume stopped in its before phase (the restore): retry runs what did not complete, commits, goes on.
    const retry = ok(await runWorker(['retry', ws], env));
    expect(retry).toMatchObject({ retried: true, result: { transition: 'resume', to: 'Active' } });
    const after = await settle(`restore killed at checkpoint ${killAt}`, 1, ws, before, neighbour, neighbourBefore, 'hot');
    expect(after).toMatchObject({ status: 'Active', coldState: 'none', cold: 0 });
  });
});
