#!/usr/bin/env node
import 'reflect-metadata';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startModelServers } from './servers';
import { checkModel, formatFailure } from './property';
import { ModelRunner } from './runner';
import type { StrategyName } from './types';

/**
 * npm run test:model -- --runs N --seed S [--steps K] [--strategy table|parquet] [--path P]
 * Runs N random programs against the embedded stack; on a violation prints the shrunk program and how
 * to replay it, and exits 1. Always ends with the line `N runs, V violations`.
 */
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
  return n;
};

const program = new Command('test:model')
  .description('model-based test of the lifecycle invariant on the embedded stack')
  .option('--runs <n>', 'random programs to run', int('runs'), 25)
  .option('--seed <n>', 'fast-check seed', int('seed'), Date.now() % 2 ** 31)
  .option('--steps <k>', 'at most this many steps per program', int('steps'), 14)
  .option('--path <p>', 'replay the counterexample at this path (with its --seed)')
  .addOption(new Option('--strategy <name>', 'cold storage strategy').choices(['table', 'parquet']).default('table'))
  .option('--crash-weight <w>', 'weight of crash steps (0 disables them)', int('crash-weight'), 1)
  .option('--shrink-budget <n>', 'programs to try while shrinking', int('shrink-budget'), 150)
  .addOption(new Option('--tables <list>', 'tables whose multisets are checked').default('user_events,internal_events'))
  .option('--future-may-stay-hot', 'allow rows newer than an archive\'s watermark (e.g. 2090) to stay hot', false)
  .option('--quiet', 'no line per program', false)
  .option('--verbose', 'print every program\'s trace', false);

async function main(): Promise<number> {
  const o = program.parse().opts<{ runs: number; seed: number; steps: number; path?: string; strategy: StrategyName; crashWeight: number; shrinkBudget: number; tables: string; futureMayStayHot: boolean; quiet: boolean; verbose: boolean }>();
  const tables = o.tables.split(',').map((t) => t.trim()) as Array<'user_events' | 'internal_events'>;
  if (tables.some((t) => t !== 'user_events' && t !== 'internal_events')) throw new InvalidArgumentError('--tables: user_events and/or internal_events');
  const instance = 'model';
  const servers = await startModelServers(instance);
  const config = { dataRoot: servers.dataRoot, name: instance, database: 'model', strategy: o.strategy };
  const runner = await ModelRunner.start({ config, workerEnv: process.env, strategy: o.strategy, tables, futureMayStayHot: o.futureMayStayHot });
  const started = Date.now();
  let n = 0;
  try {
    const result = await checkModel(runner, {
      runs: o.runs, seed: o.seed, path: o.path, maxSteps: o.steps, crashWeight: o.crashWeight, shrinkBudget: o.shrinkBudget,
      onRun: (p, outcome, shrinking) => {
        n += 1;
        if (!o.quiet) process.stderr.write(`${shrinking ? 'shrink' : 'run'} ${n}: ${p.steps.length} steps, ${outcome.ok ? 'ok' : `VIOLATION (${outcome.violations[0]?.kind})`} in ${outcome.durationMs} ms\n`);
        if (o.verbose) process.stderr.write(outcome.trace.map((t) => `  ${t}\n`).join(''));
      },
    });
    const replay = `npm run test:model -- --steps ${o.steps} --strategy ${o.strategy} --crash-weight ${o.crashWeight} --tables ${tables.join(',')}${o.futureMayStayHot ? ' --future-may-stay-hot' : ''}`;
    if (result.failed) process.stdout.write(`${formatFailure(result, replay)}\n`);
    process.stdout.write(`(seed ${result.seed}, ${Math.round((Date.now() - started) / 1000)} s)\n`);
    process.stdout.write(`${result.runs} runs, ${result.failed ? 1 : 0} violations\n`);
    return result.failed ? 1 : 0;
  } finally {
    await runner.stop();
    await servers.stop();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
  process.exit(2);
});
