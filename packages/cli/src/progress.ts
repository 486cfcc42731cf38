import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { LifecycleEmitter, LifecycleEvents } from '@permafrost/core';

type Progress = LifecycleEvents['progress'];

/**
 * Progress bars on stderr, fed by the lifecycle emitter's `progress` events, so the CLI knows nothing
 * of the plugin that reports. Off when stderr is not a terminal or --json is set.
 */
export class ProgressBars {
  private readonly bars = new Map<string, SingleBar>();
  private multi?: MultiBar;
  private readonly listener = (p: Progress) => this.update(p);

  constructor(
    private readonly emitter: LifecycleEmitter | undefined,
    enabled: boolean,
  ) {
    if (!enabled) return;
    this.multi = new MultiBar({ stream: process.stderr, clearOnComplete: false, hideCursor: true, format: ' {label} [{bar}] {value}/{total} {unit} {info}' }, Presets.shades_classic);
    emitter?.on('progress', this.listener);
  }

  update(p: { step: string; done: number; total?: number; unit?: string; detail?: Record<string, unknown>; workspaceId?: string }): void {
    if (!this.multi || p.total === undefined) return;
    const key = `${p.workspaceId ?? ''}:${p.step}`;
    const info = p.detail?.month ? `month ${p.detail.month}` : '';
    let bar = this.bars.get(key);
    if (!bar) {
      bar = this.multi.create(p.total, 0, { label: p.step.padEnd(14), unit: p.unit ?? '', info });
      this.bars.set(key, bar);
    }
    bar.setTotal(p.total);
    bar.update(p.done, { info, unit: p.unit ?? '' });
  }

  stop(): void {
    this.emitter?.off('progress', this.listener);
    this.multi?.stop();
  }
}

export function progressEnabled(json: boolean): boolean {
  return !json && Boolean(process.stderr.isTTY);
}
