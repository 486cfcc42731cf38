import { randomUUID } from 'node:crypto';
import type { LifecycleEmitter, LifecycleEvents } from '@permafrost/core';
import { ProgressBars } from './bars';
import { JsonLinesProgress } from './json-lines';

import type { ProgressMode } from './modes';

export { PROGRESS_MODES, type ProgressMode } from './modes';

/** One progress report, from a plugin through the lifecycle emitter or from the CLI itself (seed, demo). */
export interface ProgressInput {
  step: string;
  done: number;
  total?: number;
  unit?: string;
  workspaceId?: string;
  /** The transition's id for lifecycle progress; the command run's id otherwise. */
  operationId?: string;
  plugin?: string;
  detail?: Record<string, unknown>;
}

export interface ProgressSink {
  update(p: ProgressInput): void;
  stop(): void;
}

/**
 * Progress on stderr in the chosen mode, fed by the lifecycle emitter's `progress` events (so the CLI
 * knows nothing of the plugin that reports) and by the command's own `update` calls.
 */
export function startProgress(mode: ProgressMode, options: { json: boolean; emitter?: LifecycleEmitter }): ProgressSink {
  const resolved = mode === 'auto' ? (!options.json && process.stderr.isTTY ? 'bars' : 'none') : mode;
  const runId = randomUUID();
  const sink: ProgressSink = resolved === 'bars' ? new ProgressBars() : resolved === 'json' ? new JsonLinesProgress(runId) : { update: () => undefined, stop: () => undefined };
  if (resolved === 'none' || !options.emitter) return sink;
  const emitter = options.emitter;
  const listener = (p: LifecycleEvents['progress']) => sink.update({ ...p, operationId: p.transitionId });
  emitter.on('progress', listener);
  let stopped = false;
  return {
    update: (p) => sink.update(p),
    stop: () => {
      if (stopped) return;
      stopped = true;
      emitter.off('progress', listener);
      sink.stop();
    },
  };
}
