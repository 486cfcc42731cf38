import type { ProgressInput, ProgressSink } from './progress';

/**
 * One JSON object per line on stderr (`--progress json`), for programs that follow a long command:
 * {"event":"progress","operationId":…,"step":…,"done":…,"total":…,"ts":…} (schema:
 * packages/cli/schemas/progress-event.schema.json). stdout keeps the single result envelope.
 */
export class JsonLinesProgress implements ProgressSink {
  private stopped = false;

  constructor(private readonly runId: string) {}

  update(p: ProgressInput): void {
    if (this.stopped) return;
    const line = {
      event: 'progress',
      operationId: p.operationId ?? this.runId,
      step: p.step,
      done: p.done,
      total: p.total ?? null,
      ts: new Date().toISOString(),
      ...(p.workspaceId ? { workspaceId: p.workspaceId } : {}),
      ...(p.unit ? { unit: p.unit } : {}),
      ...(p.plugin ? { plugin: p.plugin } : {}),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  }

  stop(): void {
    this.stopped = true;
  }
}
