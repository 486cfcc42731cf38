import type { RowSpec } from './types';

/** The five stored columns of user_events_v2, as the ingest path writes them (times in epoch ms). */
// A type alias, not an interface: ClickHouse.insertRows takes Record<string, unknown>.
export type StoredRow = {
  message_id: string;
  workspace_id: string;
  message_raw: string;
  processing_time: number;
  server_time: number;
};

/**
 * Segment-style payloads. `internal` is a DF… track event (internal_events_mv copies it into
 * internal_events) with the properties the view extracts; the variant `v` changes the payload so the
 * same id and time with another `v` is a correction.
 */
function message(spec: RowSpec): Record<string, unknown> {
  const base = { messageId: spec.id, userId: `u${spec.v % 3}`, timestamp: spec.time };
  switch (spec.kind) {
    case 'identify':
      return { type: 'identify', ...base, traits: { plan: `p${spec.v}` } };
    case 'track':
      return { type: 'track', event: 'Clicked', ...base, properties: { v: spec.v } };
    case 'internal':
      return {
        type: 'track', event: spec.v % 2 ? 'DFEmailDelivered' : 'DFEmailSent', ...base,
        properties: { templateId: 't1', journeyId: `j${spec.v}`, messageId: `origin-${spec.id}`, variant: { type: 'Email', to: 'a@example.com', from: 'b@example.com' } },
      };
  }
}

/** One spec's rows: `copies` identical rows (the exact duplicates a producer may send). */
export function toRows(workspaceId: string, specs: readonly RowSpec[]): StoredRow[] {
  return specs.flatMap((spec) => {
    const row: StoredRow = {
      message_id: spec.id,
      workspace_id: workspaceId,
      message_raw: JSON.stringify(message(spec)),
      processing_time: Date.parse(spec.time),
      server_time: Date.parse(spec.server),
    };
    return Array.from({ length: Math.max(1, spec.copies) }, () => ({ ...row }));
  });
}
