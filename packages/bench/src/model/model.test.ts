import { randomBytes } from 'node:crypto';
import { buildProject } from '@permafrost/dev-stack/testing';
import { checkModel, formatFailure } from './property';
import { ModelRunner } from './runner';

// Model-based test of the one invariant (see README.md in this folder): fixed seed, CI-sized. The same
// property runs at any size with `npm run test:model -- --runs N --seed S`.
const SEED = 20261125;
const RUNS = 25;

describe('model: lifecycle transitions never lose or gain a row', () => {
  let runner: ModelRunner;
  beforeAll(async () => {
    buildProject('packages/bench'); // crash steps run the compiled crash worker
    runner = await ModelRunner.start({
      // The worker's engine directory (as startTestStack), reopened around crash workers.
      config: { dataRoot: process.env.PERMAFROST_TEST_RUN_DIR, name: `worker-${process.pid}`, database: `t_model_${randomBytes(4).toString('hex')}`, strategy: 'table' },
      workerEnv: process.env,
      strategy: 'table',
      tables: ['user_events', 'internal_events'],
      futureMayStayHot: false,
    });
  }, 300_000);
  afterAll(async () => {
    await runner?.stop();
  });

  it(`${RUNS} random programs (seed ${SEED}) keep every workspace's rows exactly, hot plus cold`, async () => {
    const result = await checkModel(runner, { runs: RUNS, seed: SEED, maxSteps: 12, crashWeight: 1, shrinkBudget: 40 });
    if (result.failed) throw new Error(formatFailure(result, 'npm run test:model -- --steps 12 --crash-weight 1'));
    expect(result.runs).toBe(RUNS);
  }, 900_000);
});
