import fc from 'fast-check';
import { programArbitrary, type ProgramShape } from './generators';
import type { ModelRunner } from './runner';
import type { Program, RunOutcome } from './types';

export interface PropertyOptions extends ProgramShape {
  runs: number;
  seed: number;
  /** Replay one counterexample (fast-check's path of the shrunk program). */
  path?: string;
  /** Programs tried while shrinking a failure, at most (each is a real run of seconds). */
  shrinkBudget: number;
  /** Called after every program (progress lines). */
  onRun?: (program: Program, outcome: RunOutcome, shrinking: boolean) => void;
}

export interface PropertyResult {
  runs: number;
  failed: boolean;
  seed: number;
  path?: string;
  shrinks: number;
  program?: Program;
  outcome?: RunOutcome;
  /** An exception that was not a violation (the harness itself broke). */
  error?: string;
}

/**
 * fast-check drives generation and shrinking; the property is "the runner found no violation". The
 * outcome of each failing program is kept so the shrunk one can be printed with its violations.
 * Past the shrink budget, candidates are reported as passing without running: fast-check then stops
 * with the smallest failure found so far.
 */
export async function checkModel(runner: ModelRunner, opts: PropertyOptions): Promise<PropertyResult> {
  const failures = new Map<string, RunOutcome>();
  let shrinkRuns = 0;
  const property = fc.asyncProperty(programArbitrary(opts), async (program) => {
    const shrinking = failures.size > 0;
    if (shrinking && ++shrinkRuns > opts.shrinkBudget) return true;
    const outcome = await runner.run(program);
    opts.onRun?.(program, outcome, shrinking);
    if (!outcome.ok) failures.set(JSON.stringify(program), outcome);
    return outcome.ok;
  });
  const details = await fc.check(property, { numRuns: opts.runs, seed: opts.seed, path: opts.path, endOnFailure: opts.path !== undefined });
  if (!details.failed) return { runs: details.numRuns, failed: false, seed: details.seed, shrinks: 0 };
  const found = details.counterexample?.[0];
  const outcome = found ? failures.get(JSON.stringify(found)) : undefined;
  // The run stops at the first violating step: later steps never ran, so they are not printed.
  const last = outcome?.violations.reduce((m, v) => Math.max(m, v.step), 0);
  const program = found && last !== undefined ? { ...found, steps: found.steps.slice(0, last + 1) } : found;
  return {
    runs: details.numRuns, failed: true, seed: details.seed, path: details.counterexamplePath ?? undefined, shrinks: details.numShrinks,
    program, outcome,
    error: outcome ? undefined : String((details.errorInstance as Error | undefined)?.stack ?? details.errorInstance),
  };
}

/** The failure as text: the shrunk program as JSON steps, how to replay it, and what differed. */
export function formatFailure(result: PropertyResult, replay: string): string {
  const lines: string[] = [];
  lines.push(`VIOLATION (seed ${result.seed}, path ${result.path}, ${result.shrinks} shrinks)`);
  lines.push(`replay: ${replay} --seed ${result.seed} --path ${result.path}`);
  if (result.error) lines.push(`the harness failed (not a model violation): ${result.error}`);
  if (result.program) {
    lines.push(`program (${result.program.workspaces} workspaces, ${result.program.steps.length} steps):`);
    for (const step of result.program.steps) lines.push(`  ${JSON.stringify(step)}`);
  }
  if (result.outcome) {
    lines.push('trace:');
    for (const t of result.outcome.trace) lines.push(`  ${t}`);
    lines.push('violations:');
    for (const v of result.outcome.violations) {
      lines.push(`  [${v.kind}] step #${v.step} ws${v.ws}: ${v.message}`);
      for (const d of v.diffs ?? []) lines.push(`    expected ${d.expected} × actual ${d.actual} × ${JSON.stringify(d.row)}`);
    }
  }
  return lines.join('\n');
}
