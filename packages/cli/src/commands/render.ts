import type { OperationJson } from '../output/shapes';
import { table } from '../output/human';

export function renderOperation(op: OperationJson): string {
  const lines = [`${op.transition} ${op.workspaceId}: ${op.from} → ${op.to} in ${op.durationMs ?? 0} ms`];
  if (op.hooks && op.hooks.length > 0) {
    lines.push(table(['hook', 'plugin', 'ms', 'note'], op.hooks.map((h) => [h.point, h.plugin, h.durationMs, h.note ?? (h.ok ? 'ok' : 'failed')])));
  }
  return lines.join('\n');
}
