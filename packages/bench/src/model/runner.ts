import { randomUUID } from 'node:crypto';
import type { TransitionResult } from '@permafrost/core';
import { openSut, type Sut, type SutConfig } from './boot';
import { checkWorkspace, type CheckOptions } from './checker';
import { runCrashWorker } from './crash';
import { Model } from './model';
import { createReferenceTables, ingest } from './reference';
import type { Expectation, Program, RunOutcome, Step, Transition, Violation } from './types';

export interface RunnerOptions extends CheckOptions {
  config: SutConfig;
  /** Environment of crash workers: it must name the same Postgres and S3 servers as ours. */
  workerEnv: NodeJS.ProcessEnv;
}

/** An expectation of a step that runs (not skipped). */
type Runnable = Exclude<Expectation, { kind: 'skip' }>;

const describeStep = (s: Step) => {
  if (s.op === 'ingest') return `ingest ws${s.ws} ${s.rows.reduce((n, r) => n + r.copies, 0)} rows`;
  if (s.op === 'crash') return `crash ws${s.ws} ${s.t} at progress event ${s.killAt}`;
  return JSON.stringify(s);
};
const errorCode = (err: unknown) => (err as { code?: string }).code ?? 'ERROR';
const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 300);

/**
 * Runs programs against one long-lived system under test: each program gets fresh workspaces, every
 * step is checked against the model for every workspace, and a program stops at its first violation.
 */
export class ModelRunner {
  private constructor(private sut: Sut, private readonly opts: RunnerOptions) {}

  static async start(opts: RunnerOptions): Promise<ModelRunner> {
    const sut = await openSut(opts.config);
    await createReferenceTables(sut.ch);
    return new ModelRunner(sut, opts);
  }

  async stop(): Promise<void> {
    await this.sut.close();
  }

  async run(program: Program): Promise<RunOutcome> {
    const started = Date.now();
    const trace: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < program.workspaces; i++) ids.push((await this.sut.workspaces.createWorkspace({ name: `model-${randomUUID()}` })).id);
    const model = new Model(program.workspaces);
    for (const [index, step] of program.steps.entries()) {
      const t0 = Date.now();
      const expectation = model.expect(step);
      if (expectation.kind === 'skip') {
        trace.push(`#${index} ${describeStep(step)}: skipped (${expectation.why})`);
        continue;
      }
      const violations: Violation[] = [];
      const fail = (ws: number, message: string) => {
        violations.push({ kind: 'error', step: index, ws, message });
        model.ws[ws]!.broken = true;
      };
      const note = await this.execute(step, expectation, ids, model, fail);
      model.apply(step, expectation);
      for (const [ws, id] of ids.entries()) {
        await this.sut.cold.settle(id);
        const found = await checkWorkspace(this.sut, id, model.ws[ws]!, this.opts);
        const own = 'ws' in step ? step.ws === ws : true;
        violations.push(...found.map((v) => ({ ...v, kind: own || v.kind !== 'multiset' ? v.kind : ('neighbour' as const), step: index, ws })));
      }
      trace.push(`#${index} ${describeStep(step)}: ${note} (${Date.now() - t0} ms)`);
      if (violations.length > 0) return { ok: false, violations, trace, durationMs: Date.now() - started };
    }
    return { ok: true, violations: [], trace, durationMs: Date.now() - started };
  }

  /** Runs one step; unexpected outcomes go to `fail`. Returns a note for the trace. */
  private async execute(step: Step, expectation: Runnable, ids: string[], model: Model, fail: (ws: number, message: string) => void): Promise<string> {
    const { ch, cold } = this.sut;
    switch (step.op) {
      case 'ingest':
        return `${await ingest(ch, ids[step.ws]!, step.rows)} rows written`;
      case 'redeliver': {
        const batch = model.redelivered(step);
        return `${await ingest(ch, ids[batch.ws]!, batch.rows)} rows re-delivered to ws${batch.ws}`;
      }
      case 'archive':
        try {
          return (await cold.sendWorkspaceEventsToColdStorage(ids[step.ws]!)).note;
        } catch (err) {
          fail(step.ws, `archive failed: ${errorCode(err)} ${firstLine(err)}`);
          return 'failed';
        }
      case 'transition': {
        try {
          const result = await this.transition(ids[step.ws]!, step.t);
          if (expectation.kind === 'illegal') fail(step.ws, `${step.t} from ${model.ws[step.ws]!.status} succeeded; expected ILLEGAL_TRANSITION`);
          else if (result.to !== expectation.to) fail(step.ws, `${step.t} ended ${result.to}; expected ${expectation.to}`);
          return `→ ${result.to}`;
        } catch (err) {
          if (expectation.kind === 'illegal' && errorCode(err) === 'ILLEGAL_TRANSITION') return 'ILLEGAL_TRANSITION (expected)';
          fail(step.ws, `${step.t} threw ${errorCode(err)}: ${firstLine(err)}`);
          return `threw ${errorCode(err)}`;
        }
      }
      case 'crash':
        return this.crash(step, expectation, ids[step.ws]!, fail);
    }
  }

  private transition(id: string, t: Transition): Promise<TransitionResult> {
    const w = this.sut.workspaces;
    return { pause: () => w.pauseWorkspace(id), resume: () => w.resumeWorkspace(id), tombstone: () => w.tombstoneWorkspace(id), untombstone: () => w.activateTombstonedWorkspace(id) }[t]();
  }

  /**
   * The parent lets go of the engine, a child runs the transition and dies at a progress event, the
   * parent reopens and finishes it: retryTransition (after-hooks: archives), or the transition again
   * when it died before the status commit (before-hooks: restores), as an operator would.
   */
  private async crash(step: Extract<Step, { op: 'crash' }>, expectation: Runnable, id: string, fail: (ws: number, message: string) => void): Promise<string> {
    const t = (expectation.kind === 'ok' ? expectation.t : undefined) ?? step.t;
    const written = await ingest(this.sut.ch, id, step.rows);
    await this.sut.close();
    let run;
    try {
      run = await runCrashWorker(this.opts.config, id, t, step.killAt, this.opts.workerEnv);
    } finally {
      this.sut = await openSut(this.opts.config);
    }
    if (run.error) {
      fail(step.ws, `${t} in the crash worker threw ${run.error.code ?? 'ERROR'}: ${run.error.message.split('\n')[0]}`);
      return 'worker failed';
    }
    if (!run.killed) return `${written} rows written; ${t} finished before progress event ${step.killAt} (${run.result?.progressEvents} events)`;
    const target = expectation.kind === 'ok' ? expectation.to : undefined;
    try {
      const retry = await this.sut.workspaces.retryTransition(id);
      const status = (await this.sut.workspaces.getWorkspace(id)).status as string;
      const again = target !== undefined && status !== target;
      if (again) await this.transition(id, t);
      return `${written} rows written; ${t} killed at progress event ${step.killAt}; retried: ${retry.retried}${again ? `, ${t} run again` : ''}`;
    } catch (err) {
      fail(step.ws, `recovery after the crash threw ${errorCode(err)}: ${firstLine(err)}`);
      return 'recovery failed';
    }
  }
}
