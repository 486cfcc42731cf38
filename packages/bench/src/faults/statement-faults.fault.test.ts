import { buildProject, testTempDir } from '@permafrost/dev-stack/testing';
import { startFaultEnvironment, type FaultEnvironment } from './fault-env';
import { recordFault, runWorker, type WorkerRun } from './harness';

// Fault suite: a kill after EVERY state-changing ClickHouse statement an archive and a restore issue
// (counted from a real run, not a hand-picked list), each followed by a retry in a new process. Real
// processes: s3rver, Postgres, and fault workers loading chDB on one shared engine directory. The
// workspace holds exact twin rows and internal events, so a step that matched rows by content, or redid
// a step it had already done, shows as a count or checksum difference on some table.
const EVENTS = '40';
const MONTHS = '1';
const TWINS = '6';

interface Digest {
  rows: number;
  checksum: string;
}
interface State {
  status: string;
  hot: number;
  cold: number;
  coldInternal: number;
  snapshot: { events: Digest; internal: Digest };
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
  const seed = async () => {
    const { ids: [ws], snapshots: [snapshot] } = ok(await worker(['seed', EVENTS, '1', MONTHS, TWINS]));
    return { ws: ws as string, before: { events: snapshot.events as Digest, internal: snapshot.internal as Digest } };
  };
  const statementsOf = (run: WorkerRun) => run.lines.filter((l) => l.statement).map((l) => l.statement as { n: number; sql: string });

  /** Every row of both tables exactly once: all cold (archived) or all hot with the same whole-row digests. */
  const exact = (state: State, before: State['snapshot'], where: 'hot' | 'cold') => where === 'cold'
    ? state.snapshot.events.rows === 0 && state.snapshot.internal.rows === 0 && state.cold === before.events.rows && state.coldInternal === before.internal.rows
    : JSON.stringify({ events: state.snapshot.events, internal: state.snapshot.internal }) === JSON.stringify(before) && state.cold === 0 && state.coldInternal === 0;

  it('counts the statements, then kills after each one: every retry ends exact', async () => {
    // A clean run tells how many state-changing statements each operation issues.
    const probe = await seed();
    const pause = await worker(['transition', probe.ws, 'pause']);
    ok(pause);
    const resume = await worker(['transition', probe.ws, 'resume']);
    ok(resume);
    const [clean] = ok(await worker(['sequence', probe.ws, 'verify'])) as [State];
    expect(exact(clean, probe.before, 'hot')).toBe(true);
    const archiveStatements = statementsOf(pause);
    const restoreStatements = statementsOf(resume);
    // An archive: one copy per table and batch, the two hot deletes (a first copy drops nothing: its partitions are empty).
    expect(archiveStatements.length).toBeGreaterThanOrEqual(4);
    expect(restoreStatements.length).toBeGreaterThanOrEqual(6);

    const failures: string[] = [];
    const record = (label: string, state: State, before: State['snapshot'], where: 'hot' | 'cold') => {
      const good = exact(state, before, where);
      if (!good) failures.push(`${label}: ${JSON.stringify({ before, state })}`);
      const held = state.snapshot.events.rows + state.cold;
      recordFault({ case: label, injected: 1, lost: Math.max(0, before.events.rows - held), duplicated: Math.max(0, held - before.events.rows) });
    };

    for (const [index, statement] of archiveStatements.entries()) {
      const { ws, before } = await seed();
      const killed = await worker(['transition', ws, 'pause'], index + 1);
      expect(killed.signal).toBe('SIGKILL');
      // The pause committed before its archive ran: retry finishes the archive; then resume.
      const [, archived, , restored] = ok(await worker(['sequence', ws, 'retry,verify,resume,verify'])) as [unknown, State, string, State];
      record(`archive killed after #${index + 1} ${statement.sql}`, archived, before, 'cold');
      record(`resume after archive kill #${index + 1}`, restored, before, 'hot');
    }
    for (const [index, statement] of restoreStatements.entries()) {
      const { ws, before } = await seed();
      ok(await worker(['transition', ws, 'pause']));
      const killed = await worker(['transition', ws, 'resume'], index + 1);
      expect(killed.signal).toBe('SIGKILL');
      // The resume stopped in its before phase (the restore): retry finishes it, commits, goes on.
      const [retried, restored] = ok(await worker(['sequence', ws, 'retry,verify'])) as [{ retried: boolean }, State];
      expect(retried.retried).toBe(true);
      record(`restore killed after #${index + 1} ${statement.sql}`, restored, before, 'hot');
    }
    expect(failures).toEqual([]);
  }, 40 * 60_000);
});
