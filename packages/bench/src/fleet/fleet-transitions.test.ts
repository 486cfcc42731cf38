import { randomBytes } from 'node:crypto';
import { buildProject, testTempDir } from '@permafrost/dev-stack/testing';
import { checkPaused, checkResumed } from './checks';
import { runFleetTransitions, type RoundResult } from './fleet-transitions';

// Integration: the scale script's path at CI size. Two real `permafrost worker` processes (compiled CLI,
// cold storage with the table strategy) on the engine server (the shared chDB engine), this run's
// Postgres and S3. 25 workspaces × 30 events over 2 months: 25 pauses requested at once from this
// process, each archived; every workspace checked; then 25 resumes, checked again.
const N = 25;

const failing = (r: RoundResult) => r.checks.filter((c) => c.problems.length > 0);

describe('fleet transitions with cold storage (engine server, 2 worker processes)', () => {
  beforeAll(() => buildProject('packages/cli'), 120_000);

  it(`${N} pauses at once end Paused, archived and verified; ${N} resumes bring every row back`, async () => {
    const oppositeProblems: Record<string, number> = {};
    const result = await runFleetTransitions({
      workspaces: N, eventsPerWorkspace: 30, months: 2, workers: 2, concurrency: 2,
      dir: testTempDir('fleet-transitions'), database: `t_fleet_${randomBytes(4).toString('hex')}`, roundTimeoutMs: 150_000,
      log: (m) => process.stderr.write(`${m}\n`),
      // The checks can fail: each round's workspaces, judged by the other round's expectations, fail all of them.
      afterRound: async (round, { app, seeded, operations }) => {
        const opposite = round.transition === 'pause' ? checkResumed : checkPaused;
        oppositeProblems[round.transition] = (await opposite(app.db, app.ch, seeded, operations)).filter((c) => c.problems.length > 0).length;
      },
    });
    process.stderr.write(`${N} pauses: all done in ${result.pause.completedMs} ms (p99 ${result.pause.latencyMs.p99} ms); resumes: ${result.resume.completedMs} ms (p99 ${result.resume.latencyMs.p99} ms)\n`);

    for (const round of [result.pause, result.resume]) {
      expect(round.checks).toHaveLength(N);
      expect(failing(round)).toEqual([]);
      expect({ completed: round.completed, failed: round.failed, rejected: round.rejectedByCode, jobFailures: round.jobs.failedByCode })
        .toEqual({ completed: N, failed: 0, rejected: {}, jobFailures: {} });
      expect(round.latencyMs.count).toBe(N);
    }
    expect(oppositeProblems).toEqual({ pause: N, resume: N });
    expect(result.reconcileAfterPause).toMatchObject({ checked: N, findings: 0 }); // reconcile agrees: nothing to fix
    expect(result.workerLogProblems).toEqual({});
    expect(result.workerExitCodes).toEqual([0, 0]); // SIGTERM: each finished its jobs in hand and exited cleanly
  }, 240_000);
});
