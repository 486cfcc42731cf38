import { buildProject, testTempDir } from '@permafrost/dev-stack/testing';
import { startFaultEnvironment, type FaultEnvironment } from './fault-env';
import { recordFault, runWorker, type WorkerRun } from './harness';

// Fault suite: a kill after EVERY state-changing ClickHouse statement an archive and a restore issue
// (counted from a real run, not a hand-picked list), each followed by a retry in a new process. Real
// processes: s3rver, Postgres, and fault workers loading chDB on one shared engine directory. The
// workspace holds exact duplicate rows and internal events, so a step that matched rows by content, or
// redid a step it had already done, would show as a count or checksum difference.
const EVENTS = 60;
const MONTHS = '2';
const TWINS = '7';

interface Snapshot {
  events: { rows: number; checksum: string };
  internal: { rows: number; checksum: string };
}

describe('faults: a kill after each statement of an archive and of a restore', () => {
  const dataDir = testTempDir('statement-faults');
  let f: FaultEnvironment;

  beforeAll(async () => {
    buildProject('packages/bench');
    f = await startFaultEnvironment(dataDir, 'statement-faults');
  });
  afterAll(async () => f?.stop());

  const ok = (run: WorkerRun) => {
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(0);
    return run.result;
  };
  const worker = (args: string[], killAfter?: number) =>
    runWorker(args, killAfter === undefined ? f.env : { ...f.env, PERMAFROST_FAULT_KILL_AFTER_STATEMENT: String(killAfter) });

  /** A workspace of EVENTS events over two months plus TWINS exact twins; its whole-row snapshot. */
  const seed = async (): Promise<{ ws: string; before: Snapshot }> => {
    const { ids: [ws] } = ok(await worker(['seed', String(EVENTS), '1', MONTHS]));
    const { snapshot } = ok(await worker(['duplicate', ws, TWINS]));
    return { ws, before: { events: snapshot.events, internal: snapshot.internal } };
  };
  const snapshotOf = (state: { snapshot: Snapshot }): Snapshot => ({ events: state.snapshot.events, internal: state.snapshot.internal });
  const statementsOf = (run: WorkerRun) => run.lines.filter((l) => l.statement).map((l) => l.statement as { n: number; sql: string });

  it('counts the statements, then kills after each one: every retry ends exact', async () => {
    // A clean run tells how many state-changing statements each operation issues.
    const probe = await seed();
    const pause = await worker(['transition', probe.ws, 'pause']);
    ok(pause);
    const resume = await worker(['transition', probe.ws, 'resume']);
    ok(resume);
    expect(snapshotOf(ok(await worker(['verify', probe.ws])))).toEqual(probe.before);
    const archiveStatements = statementsOf(pause);
    const restoreStatements = statementsOf(resume);
    expect(archiveStatements.length).toBeGreaterThan(4);
    expect(restoreStatements.length).toBeGreaterThan(4);

    let injected = 0;
    const failures: string[] = [];
    const check = async (label: string, ws: string, before: Snapshot, where: 'hot' | 'cold') => {
      const state = ok(await worker(['verify', ws]));
      const now = snapshotOf(state);
      const ok1 = where === 'hot'
        ? JSON.stringify(now) === JSON.stringify(before) && state.cold === 0 && state.coldInternal === 0
        : now.events.rows === 0 && now.internal.rows === 0 && state.cold === before.events.rows && state.coldInternal === before.internal.rows;
      if (!ok1) failures.push(`${label}: ${JSON.stringify({ before, now, cold: state.cold, coldInternal: state.coldInternal })}`);
      recordFault({ case: label, injected: 1, lost: Math.max(0, before.events.rows - now.events.rows - (where === 'cold' ? state.cold : 0)), duplicated: Math.max(0, now.events.rows + state.cold - before.events.rows) });
    };

    for (const [index, statement] of archiveStatements.entries()) {
      const { ws, before } = await seed();
      const killed = await worker(['transition', ws, 'pause'], index + 1);
      expect(killed.signal).toBe('SIGKILL');
      injected += 1;
      ok(await worker(['retry', ws]));
      await check(`archive killed after #${index + 1} ${statement.sql}`, ws, before, 'cold');
      ok(await worker(['transition', ws, 'resume']));
      await check(`… then resumed (archive kill #${index + 1})`, ws, before, 'hot');
    }
    for (const [index, statement] of restoreStatements.entries()) {
      const { ws, before } = await seed();
      ok(await worker(['transition', ws, 'pause']));
      const killed = await worker(['transition', ws, 'resume'], index + 1);
      expect(killed.signal).toBe('SIGKILL');
      injected += 1;
      // The resume never committed its status: running it again is the retry.
      ok(await worker(['transition', ws, 'resume']));
      await check(`restore killed after #${index + 1} ${statement.sql}`, ws, before, 'hot');
    }
    expect(injected).toBe(archiveStatements.length + restoreStatements.length);
    expect(failures).toEqual([]);
  });
});
