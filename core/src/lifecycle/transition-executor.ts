import { randomUUID } from 'node:crypto';
import { IllegalTransitionError, NotFoundError, PermafrostError, TransitionInProgressError } from '../errors';
import type { Logger } from '../logger';
import type { LifecycleBus, TransitionInfo } from './emitter';
import type { HookOutcome, HookRef } from './hook-map';
import { handlerKey, type HookRun, type HookRunner } from './hook-runner';
import type { FailedHook, TransitionFailure, TransitionRecord, WorkspaceStateStore } from './state-store';
import { changePayload, checkPayload } from './transition-payloads';
import { hookFailure, illegalWithUnfinished, vetoError } from './transition-failures';
import { targetStatus, type TransitionName, type WorkspaceStatus } from './transitions';

/** Per-call options of a transition. */
export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Aborts the hooks' signal after this long; handlers that honour it stop, and the transition fails. */
  timeoutMs?: number;
}

/** A finished transition: who ran, how long each took, what each said. */
export interface TransitionResult extends TransitionInfo {
  outcomes: HookOutcome[];
  durationMs: number;
}

/** `retryTransition`'s answer: the finished transition, or why there was nothing to retry. */
export type RetryResult = { retried: true; result: TransitionResult } | { retried: false; reason: string };

type ResumePoint = 'before' | 'commit' | 'after';

interface Run {
  record: TransitionRecord;
  signal: AbortSignal;
  deadline?: number;
  started: number;
  outcomes: HookOutcome[];
}

/**
 * Runs one transition under the workspace's lock: `check:` (a veto changes nothing) → `before:` (may
 * change data; a failure keeps the status and is retryable) → the status commit → `after:`. Every step
 * and every completed handler is saved in the transition record, so `retry` runs only what is left and a
 * crash leaves a record saying how far it got. Bootstrap makes one per app (inject it by its class);
 * its bus and runner are not in the container, so nothing else can tap hooks through it.
 */
export class TransitionExecutor {
  constructor(
    private readonly store: WorkspaceStateStore,
    private readonly runner: HookRunner,
    private readonly bus: LifecycleBus,
    private readonly logger: Logger,
  ) {}

  /** Runs `transition` on the workspace; see the class comment for the phases. */
  execute(workspaceId: string, transition: TransitionName, options: ExecuteOptions = {}): Promise<TransitionResult> {
    return this.store.withWorkspaceLock(workspaceId, async () => {
      const from = await this.store.getStatus(workspaceId);
      const pending = await this.store.findUnfinishedTransition(workspaceId);
      let to: WorkspaceStatus;
      try {
        to = targetStatus(from, transition, workspaceId);
      } catch (err) {
        throw illegalWithUnfinished(err, pending, from);
      }
      // A queued request owns the workspace's next step: running another beside it would race its worker.
      if (pending?.state === 'queued') throw queuedError(pending);
      await this.store.checkTransition(workspaceId, transition);
      const record: TransitionRecord = {
        transitionId: randomUUID(), workspaceId, transition, from, to,
        state: 'running', phase: 'check', attempt: 1, completedHooks: [], failedHooks: [], startedAt: new Date(),
      };
      await this.store.saveTransition(record);
      const run = this.start(record, options);
      const check = await this.runHooks({
        point: `check:${transition}`, callId: record.transitionId, workspaceId, mode: 'stop', signal: run.signal,
        payloadFor: (tap, signal) => checkPayload(record, tap, signal, this.logger),
      });
      run.outcomes.push(...check);
      const vetoed = check.filter((o) => !o.ok && o.error);
      if (vetoed.length > 0) {
        const error = vetoError(record, vetoed[0]!, run.outcomes);
        return this.fail(run, 'check', vetoed, error, false);
      }
      return this.proceed(run, 'before');
    });
  }

  /**
   * Finishes the workspace's last transition if it failed (or a crash interrupted it) after the check
   * phase: runs the handlers of the stopped phase that did not complete, then the rest of the transition.
   */
  retry(workspaceId: string, options: ExecuteOptions = {}): Promise<RetryResult> {
    return this.store.withWorkspaceLock(workspaceId, async () => {
      const status = await this.store.getStatus(workspaceId); // NotFoundError for an unknown workspace
      const record = await this.store.findUnfinishedTransition(workspaceId);
      if (!record) return { retried: false, reason: `Workspace ${workspaceId} has no unfinished transition; nothing to retry.` };
      return this.resume(record, status, options);
    });
  }

  /**
   * The asynchronous path's first half, run by the caller without the lock: the status check, the
   * store's pre-checks and the `check:` hooks. A veto throws TRANSITION_VETOED and nothing is recorded
   * or changed. Returns the record for the caller to save (state `queued`, phase `before`) beside its job.
   */
  async check(workspaceId: string, transition: TransitionName, options: ExecuteOptions = {}): Promise<TransitionRecord> {
    const from = await this.store.getStatus(workspaceId);
    let to: WorkspaceStatus;
    try {
      to = targetStatus(from, transition, workspaceId);
    } catch (err) {
      // Only an illegal request pays for the lookup.
      throw illegalWithUnfinished(err, await this.store.findUnfinishedTransition(workspaceId), from);
    }
    await this.store.checkTransition(workspaceId, transition);
    const record: TransitionRecord = {
      transitionId: randomUUID(), workspaceId, transition, from, to,
      state: 'queued', phase: 'check', attempt: 1, completedHooks: [], failedHooks: [], startedAt: new Date(),
    };
    const check = await this.runHooks({
      point: `check:${transition}`, callId: record.transitionId, workspaceId, mode: 'stop', signal: combineSignals(options),
      payloadFor: (tap, signal) => checkPayload(record, tap, signal, this.logger),
    });
    const vetoed = check.filter((o) => !o.ok && o.error);
    if (vetoed.length > 0) throw vetoError(record, vetoed[0]!, check);
    return { ...record, phase: 'before' };
  }

  /**
   * The asynchronous path's second half (a job handler): finishes transition `transitionId` under the
   * workspace's lock — from `before:` when it was queued, else where it stopped, like `retry`. Idempotent,
   * since a job may run again: a completed transition is answered `retried: false` and nothing runs.
   */
  finish(transitionId: string, options: ExecuteOptions = {}): Promise<RetryResult> {
    return this.lockedRecord(transitionId, async (record) => {
      if (record.state === 'completed') return { retried: false, reason: `Transition ${transitionId} already completed.` };
      const status = await this.store.getStatus(record.workspaceId);
      if (record.state === 'queued') {
        if (status !== record.from) {
          const error = new IllegalTransitionError(`Workspace ${record.workspaceId} is ${status}, no longer ${record.from}: the queued ${record.transition} was not applied. Nothing was changed.`, { workspaceId: record.workspaceId, from: status, transition: record.transition });
          await this.save(record, { state: 'failed', finishedAt: new Date(), ...failureFields(record, 'before', error.code, error.message, []) });
          throw error;
        }
      }
      return this.resume(record, status, options);
    });
  }

  private async lockedRecord<T>(transitionId: string, fn: (record: TransitionRecord) => Promise<T>): Promise<T> {
    const peek = await this.store.getTransition(transitionId);
    if (!peek) throw new NotFoundError(`Transition ${transitionId} does not exist.`);
    return this.store.withWorkspaceLock(peek.workspaceId, async () => fn((await this.store.getTransition(transitionId))!));
  }

  /** Runs what is left of an unfinished record (the caller holds the lock; `status` is the workspace's now). */
  private async resume(record: TransitionRecord, status: TransitionRecord['from'], options: ExecuteOptions): Promise<RetryResult> {
    const workspaceId = record.workspaceId;
    if (record.phase === 'check') {
      return { retried: false, reason: `The last ${record.transition} of workspace ${workspaceId} stopped in its checks (${record.error ?? 'interrupted'}); nothing was changed, so run ${record.transition} again.` };
    }
    let resumeAt: ResumePoint;
    if (status === record.to && record.state !== 'queued') resumeAt = 'after'; // the commit happened (a crash may have hidden it from the record)
    else if (status === record.from && record.phase !== 'after') resumeAt = record.phase;
    else throw new IllegalTransitionError(`Workspace ${workspaceId} is ${status} now, neither ${record.from} nor ${record.to}; its unfinished ${record.transition} can no longer be retried.`, { workspaceId, from: status, transition: record.transition });
    if (record.state !== 'queued') record.attempt += 1; // a queued record's first run is attempt 1
    record.state = 'running';
    record.failedHooks = [];
    record.error = undefined;
    record.errorCode = undefined;
    record.finishedAt = undefined;
    await this.store.saveTransition(record);
    return { retried: true, result: await this.proceed(this.start(record, options), resumeAt) };
  }

  private start(record: TransitionRecord, options: ExecuteOptions): Run {
    this.bus.emit('transition:start', info(record));
    return { record, signal: combineSignals(options), deadline: options.timeoutMs ? Date.now() + options.timeoutMs : undefined, started: performance.now(), outcomes: [] };
  }

  private async proceed(run: Run, at: ResumePoint): Promise<TransitionResult> {
    const { record } = run;
    if (at === 'before') {
      const failed = await this.runPhase(run, 'before');
      if (failed.length > 0) return this.fail(run, 'before', failed, hookFailure(record, false, failed, run.outcomes), false);
    }
    if (at !== 'after') {
      await this.save(record, { phase: 'commit' });
      try {
        await this.store.commitStatus(record.workspaceId, record.transition, record.from, record.to);
      } catch (err) {
        return this.fail(run, 'commit', [], err as Error, false);
      }
      this.bus.emit('transition:status-changed', info(record));
    }
    const failed = await this.runPhase(run, 'after');
    if (failed.length > 0) return this.fail(run, 'after', failed, hookFailure(record, true, failed, run.outcomes), true);
    await this.save(record, { state: 'completed', finishedAt: new Date() });
    const durationMs = performance.now() - run.started;
    this.bus.emit('transition:complete', { ...info(record), durationMs, outcomes: run.outcomes });
    return { ...info(record), outcomes: run.outcomes, durationMs };
  }

  /** Runs one data-changing phase, saving each handler that completes before the next one starts. */
  private async runPhase(run: Run, phase: 'before' | 'after'): Promise<HookOutcome[]> {
    const { record } = run;
    await this.save(record, { phase });
    const outcomes = await this.runHooks({
      point: `${phase}:${record.transition}`, callId: record.transitionId, workspaceId: record.workspaceId,
      mode: phase === 'before' ? 'stop' : 'all', signal: run.signal,
      completed: new Set(record.completedHooks.filter((h) => h.point === `${phase}:${record.transition}`).map(handlerKey)),
      payloadFor: (tap, signal, startedAt) => changePayload(this.bus, record, phase, tap, signal, this.logger, startedAt, run.deadline),
      onCompleted: (ref: HookRef) => this.save(record, { completedHooks: [...record.completedHooks, ref] }),
    });
    run.outcomes.push(...outcomes);
    return outcomes.filter((o) => !o.ok && o.error);
  }

  private async fail(run: Run, phase: TransitionRecord['phase'], failed: HookOutcome[], error: Error, statusChanged: boolean): Promise<never> {
    const { record } = run;
    const failedHooks = failed.map((o) => ({ plugin: o.plugin, name: o.name, point: o.point, message: o.error?.message ?? 'failed', ...codeOf(o.error) }));
    const message = failed.length > 0 ? failed.map((o) => `${o.plugin}: ${o.error?.message}`).join('; ') : error.message;
    await this.save(record, { state: 'failed', finishedAt: new Date(), failedHooks, ...failureFields(record, phase, codeOf(error).code ?? 'ERROR', message, failedHooks) });
    // Codes, not only messages: an operator (or a fleet benchmark) counts failures by what they were.
    this.logger.error('transition failed', {
      transitionId: record.transitionId, workspaceId: record.workspaceId, phase, error: record.error,
      code: codeOf(error).code ?? 'UNTYPED', causes: failed.map((o) => codeOf(o.error).code ?? 'UNTYPED'),
    });
    this.bus.emit('transition:failed', { ...info(record), error, phase, statusChanged, durationMs: performance.now() - run.started });
    throw error;
  }

  /**
   * Runs one phase's handlers and logs the phase and each handler at debug, with the ids an operator
   * greps for (workspaceId, transitionId, point, plugin) and durationMs: `LOG_LEVEL=debug` shows which
   * plugin a slow or failing transition spent its time in.
   */
  private async runHooks<P>(run: HookRun<P>): Promise<HookOutcome[]> {
    const started = performance.now();
    const outcomes = await this.runner.run(run);
    const ids = { workspaceId: run.workspaceId, transitionId: run.callId, point: run.point };
    for (const o of outcomes) {
      this.logger.debug('hook finished', { ...ids, plugin: o.plugin, handler: o.name, durationMs: o.durationMs, ok: o.ok, ...(o.skipped ? { skipped: true } : {}), ...(o.alreadyCompleted ? { alreadyCompleted: true } : {}), ...(o.error ? { error: o.error.message } : {}) });
    }
    this.logger.debug('phase finished', { ...ids, handlers: outcomes.length, failed: outcomes.filter((o) => !o.ok && o.error).length, durationMs: performance.now() - started });
    return outcomes;
  }

  private async save(record: TransitionRecord, changes: Partial<TransitionRecord>): Promise<void> {
    Object.assign(record, changes);
    await this.store.saveTransition(record);
  }
}

/** `error`, its code, and the attempt's entry in the record's failure history (which a retry keeps). */
function failureFields(record: TransitionRecord, phase: TransitionRecord['phase'], code: string, message: string, failedHooks: FailedHook[]): Partial<TransitionRecord> {
  const failure: TransitionFailure = { attempt: record.attempt, phase, code, message, failedHooks, at: new Date() };
  return { error: message, errorCode: code, failures: [...(record.failures ?? []), failure] };
}

/** A PermafrostError's stable code (plugins' subclasses included), if the error has one. */
function codeOf(error: Error | undefined): { code?: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && error instanceof PermafrostError ? { code } : {};
}

function info(r: TransitionRecord): TransitionInfo {
  return { transitionId: r.transitionId, workspaceId: r.workspaceId, transition: r.transition, from: r.from, to: r.to, attempt: r.attempt };
}

/** A PermafrostError's stable code; `UNTYPED` for anything else (a driver's or a plugin's plain Error). */

function combineSignals(options: ExecuteOptions): AbortSignal {
  const signals = [options.signal, options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
  return signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals);
}

function queuedError(pending: TransitionRecord): TransitionInProgressError {
  return new TransitionInProgressError(`Workspace ${pending.workspaceId} has a queued ${pending.transition} (operation ${pending.transitionId}) that a worker has not run yet; wait for it and try again.`, { workspaceId: pending.workspaceId });
}
