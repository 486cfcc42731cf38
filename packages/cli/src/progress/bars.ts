import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ProgressInput, ProgressSink } from './progress';

/** cli-progress bars on stderr, one per workspace and step. */
export class ProgressBars implements ProgressSink {
  private readonly bars = new Map<string, SingleBar>();
  private readonly multi = new MultiBar({
    stream: process.stderr,
    clearOnComplete: false,
    hideCursor: true,
    // Asked for explicitly (`--progress bars`) on a stream that is not a terminal: draw anyway.
    noTTYOutput: !process.stderr.isTTY,
    format: ' {label} [{bar}] {value}/{total} {unit} {info}',
  }, Presets.shades_classic);
  private stopped = false;

  update(p: ProgressInput): void {
    if (this.stopped || p.total === undefined) return;
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
    if (this.stopped) return;
    this.stopped = true;
    this.multi.stop();
  }
}
