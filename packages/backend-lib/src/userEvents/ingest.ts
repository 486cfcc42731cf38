import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '@permafrost/core/plugin';
import type { ClickHouse } from '../clickhouse/clickhouse';
import { assertWorkspaceId } from '../ids';
import { USER_EVENTS_TABLE } from './clickhouse';

export interface UserEventInput {
  /** Segment-style event: an object, or its JSON text (stored as given, byte for byte). */
  message: Record<string, unknown> | string;
  /** Defaults to the message's `messageId`, else a new UUID. */
  messageId?: string;
  /** When the platform processed the event; defaults to now. Archives partition by its month. */
  processingTime?: Date | string;
  serverTime?: Date | string;
}

export interface InsertUserEventsResult {
  inserted: number;
  /** Events dropped because an earlier event in the same batch had the same message id. */
  duplicates: number;
}

const BATCH_ROWS = 10_000;

/**
 * Writes events into user_events_v2 (internal_events follows through its materialized view). The whole
 * call is validated before anything is written: one malformed event rejects the call and writes nothing.
 */
export async function insertUserEvents(ch: ClickHouse, workspaceId: string, events: readonly UserEventInput[]): Promise<InsertUserEventsResult> {
  assertWorkspaceId(workspaceId);
  if (!Array.isArray(events)) throw new InvalidInputError('events must be an array', { workspaceId });
  const now = Date.now();
  const seen = new Set<string>();
  const rows: Array<Record<string, string | number>> = [];
  events.forEach((event, index) => {
    const { raw, parsed } = normalizeMessage(event?.message, index, workspaceId);
    const messageId = event.messageId ?? (typeof parsed.messageId === 'string' ? parsed.messageId : randomUUID());
    if (seen.has(messageId)) return;
    seen.add(messageId);
    rows.push({
      message_id: messageId,
      workspace_id: workspaceId,
      message_raw: raw,
      processing_time: toTimestamp(event.processingTime, now, index, 'processingTime', workspaceId),
      server_time: toTimestamp(event.serverTime, now, index, 'serverTime', workspaceId),
    });
  });
  for (let i = 0; i < rows.length; i += BATCH_ROWS) {
    await ch.insertRows(USER_EVENTS_TABLE, rows.slice(i, i + BATCH_ROWS));
  }
  return { inserted: rows.length, duplicates: events.length - rows.length };
}

function normalizeMessage(message: unknown, index: number, workspaceId: string): { raw: string; parsed: Record<string, unknown> } {
  if (typeof message === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch (err) {
      throw new InvalidInputError(`events[${index}].message is not valid JSON (${(err as Error).message}); nothing was written.`, { workspaceId });
    }
    if (!isPlainObject(parsed)) throw new InvalidInputError(`events[${index}].message must be a JSON object; nothing was written.`, { workspaceId });
    return { raw: message, parsed };
  }
  if (!isPlainObject(message)) throw new InvalidInputError(`events[${index}].message must be an object or JSON text; nothing was written.`, { workspaceId });
  return { raw: JSON.stringify(message), parsed: message };
}

/**
 * Epoch milliseconds: JSONEachRow reads an integer into DateTime64(3) as ticks, exact and independent of
 * the server's time zone, with no input-format setting needed.
 */
function toTimestamp(value: Date | string | undefined, fallback: number, index: number, field: string, workspaceId: string): number {
  if (value === undefined) return fallback;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidInputError(`events[${index}].${field} is not a valid time; nothing was written.`, { workspaceId });
  return date.getTime();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
