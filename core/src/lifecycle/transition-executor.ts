import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { HookFailedError, IllegalTransitionError } from '../errors';
import { LOGGER, type Logger } from '../logger';
import { LifecycleEmitter, type TransitionInfo } from './emitter';
import { HookRunner } from './hook-runner';
import { WORKSPACE_STATE_STORE, type TransitionRecord, type WorkspaceStateStore } from './state-store';
import { targetStatus, type TransitionName } from './transitions';
import type { HookOutcome, HookPhase, TransitionContext } from './types';

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Aborts the hooks' signal after this long; handlers that honour it stop, and the transition fails. */
  timeoutMs?: number;
}

export interface TransitionResult extends TransitionInfo {
  outcomes: HookOutcome[];
  durationMs: number;
}

export type RetryResult = { retried: true; result: TransitionResult } | { retried: false; reason: string };

/**
 * Runs one transition: lock the workspace → check it is legal → before hooks (a failure vetoes; status
 * unchanged) → commit the status → after hooks (failures are recorded in the transition record, reported
 * on the emitter and thrown, and `retry` re-runs the after hooks). Every step is saved, so a crash
 * leaves a record saying how far it got.
 */
@injectable()
export class TransitionExecutor {
  constructor(
    @inject(WORKSPACE_STATE_STORE) private readonly store: WorkspaceStateStore,
    @inject(HookRunner) private readonly runner: HookRunner,
    @inject(LifecycleEmitter) private readonly emitter: LifecycleEmitter,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  execute(workspaceId: string, transition: TransitionName, options: ExecuteOptions = {}): Promise<TransitionResult> {
    return this.store.withWorkspaceLock(workspaceId, async () => {
      const from = await this.store.getStatus(workspaceId);
      const to = targetStatus(from, transition, workspaceId);
      await this.store.checkTransition(workspaceId, transition);
      const record: TransitionRecord = {
        transitionId: randomUUID(), workspaceId, transition, from, to,
        state: 'running', phase: 'before', attempt: 1, failedHooks: [], startedAt: new Date(),
      };
      await this.store.saveTransition(record);
      const started = performance.now();
      this.emitter.emit('transition:start', info(record));
      const signal = combineSignals(options);

      const before = await this.runner.run(`before:${transition}`, this.context(record, 'before', signal, options), { mode: 'stop-on-error' });
      const vetoed = before.filter((o) => !o.ok && o.error);
      if (vetoed.length > 0) return this.fail(record, 'before', vetoed, before, started, false);

      record.phase = 'commit';
      await this.store.saveTransition(record);
      try {
        await this.store.commitStatus(workspaceId, transition, from, to);
      } catch (err) {
        record.state = 'failed';
        record.error = (err as Error).message;
        record.finishedAt = new Date();
        await this.store.saveTransition(record);
        this.emitter.emit('transition:failed', { ...info(record), error: err as Error, phase: 'commit', statusChanged: false, durationMs: performance.now() - started });
        throw err;
      }
      this.emitter.emit('transition:status-changed', info(record));
      record.phase = 'after';
      await this.store.saveTransition(record);
      return this.runAfter(record, before, signal, options, started);
    });
  }

  /** Finishes the workspace's last transition if its after hooks failed or a crash interrupted them. */
  retry(workspaceId: string, options: ExecuteOptions = {}): Promise<RetryResult> {
    return this.store.withWorkspaceLock(workspaceId, async () => {
      const status = await this.store.getStatus(workspaceId); // NotFoundError for an unknown workspace
      const record = await this.store.findUnfinishedTransition(workspaceId);
      if (!record) return { retried: false, reason: `Workspace ${workspaceId} has no unfinished transition; nothing to retry.` };
      if (record.phase !== 'after' && status !== record.to) {
        return { retried: false, reason: `The last ${record.transition} of workspace ${workspaceId} stopped before the status changed (${record.error ?? 'interrupted'}); nothing was changed, so run ${record.transition} again.` };
      }
      if (status !== record.to) {
        throw new IllegalTransitionError(`Workspace ${workspaceId} is ${status} now, not ${record.to}; its unfinished ${record.transition} can no longer be retried.`, { workspaceId, from: status, transition: record.transition });
      }
      record.attempt += 1;
      record.phase = 'after';
      record.state = 'running';
      record.failedHooks = [];
      record.error = undefined;
      await this.store.saveTransition(record);
      this.emitter.emit('transition:start', info(record));
      const result = await this.runAfter(record, [], combineSignals(options), options, performance.now());
      return { retried: true, result };
    });
  }

  private async runAfter(record: TransitionRecord, before: HookOutcome[], signal: AbortSignal, options: ExecuteOptions, started: number): Promise<TransitionResult> {
    const after = await this.runner.run(`after:${record.transition}`, this.context(record, 'after', signal, options), { mode: 'collect' });
    const outcomes = [...before, ...after];
    const failed = after.filter((o) => !o.ok && o.error);
    if (failed.length > 0) return this.fail(record, 'after', failed, outcomes, started, true);
    record.state = 'completed';
    record.finishedAt = new Date();
    await this.store.saveTransition(record);
    const durationMs = performance.now() - started;
    this.emitter.emit('transition:complete', { ...info(record), durationMs, outcomes });
    return { ...info(record), outcomes, durationMs };
  }

  private async fail(record: TransitionRecord, phase: HookPhase, failed: HookOutcome[], outcomes: HookOutcome[], started: number, statusChanged: boolean): Promise<never> {
    record.state = 'failed';
    record.failedHooks = failed.map((o) => ({ plugin: o.plugin, name: o.name, point: o.point, message: o.error?.message ?? 'failed' }));
    record.error = failed.map((o) => `${o.plugin}: ${o.error?.message}`).join('; ');
    record.finishedAt = new Date();
    await this.store.saveTransition(record);
    const first = failed[0]!;
    const next = statusChanged
      ? `The workspace is ${record.to}; fix the cause and retry the transition (retryTransition) to finish it.`
      : `Nothing was changed; the workspace is still ${record.from}.`;
    const error = new HookFailedError(`${record.transition} of workspace ${record.workspaceId}: ${first.plugin} failed in ${first.point}: ${first.error?.message}. ${next}`, {
      workspaceId: record.workspaceId, plugin: first.plugin, hook: first.point, point: first.point, cause: first.error, statusChanged, outcomes,
    });
    this.logger.error('transition failed', { transitionId: record.transitionId, workspaceId: record.workspaceId, phase, error: record.error });
    this.emitter.emit('transition:failed', { ...info(record), error, phase, statusChanged, durationMs: performance.now() - started });
    throw error;
  }

  private context(record: TransitionRecord, phase: HookPhase, signal: AbortSignal, options: ExecuteOptions): TransitionContext {
    return {
      transitionId: record.transitionId, workspaceId: record.workspaceId, transition: record.transition,
      from: record.from, to: record.to, phase, attempt: record.attempt, signal,
      deadline: options.timeoutMs ? Date.now() + options.timeoutMs : undefined,
      logger: this.logger.child({ transitionId: record.transitionId, workspaceId: record.workspaceId }),
      progress: () => undefined, // replaced per handler by the HookRunner, which knows the plugin
    };
  }
}

function info(r: TransitionRecord): TransitionInfo {
  return { transitionId: r.transitionId, workspaceId: r.workspaceId, transition: r.transition, from: r.from, to: r.to, attempt: r.attempt };
}

function combineSignals(options: ExecuteOptions): AbortSignal {
  const signals = [options.signal, options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
  return signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals);
}
