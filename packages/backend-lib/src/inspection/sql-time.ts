/**
 * A timestamptz as ISO-8601 UTC text with microseconds: sortable as a string, read back exactly by
 * `$n::timestamptz` (a JavaScript Date keeps milliseconds only, and Postgres' now() has microseconds,
 * so a Date-based cursor could skip or repeat rows that start within one millisecond).
 */
export const isoMicros = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}

/** Whole milliseconds between two instants, or null when the end is not known. */
export function durationMs(start: Date | string, end: Date | string | null | undefined): number | null {
  if (end === null || end === undefined) return null;
  return Math.max(0, Math.round(new Date(end).getTime() - new Date(start).getTime()));
}
