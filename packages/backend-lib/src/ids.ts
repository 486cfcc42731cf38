import { NotFoundError } from '@permafrost/core/plugin';

// Lowercase only: Postgres compares uuids case-insensitively but ClickHouse compares workspace_id as a
// string, so an uppercase id would write events no lowercase archive ever sees.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A non-UUID can name no workspace: it is reported as not found, before any query runs. */
export function assertWorkspaceId(value: unknown): asserts value is string {
  if (!isUuid(value)) {
    throw new NotFoundError(`Workspace ${describe(value)} does not exist: workspace ids are lowercase UUIDs.`, { workspaceId: typeof value === 'string' ? value.slice(0, 100) : undefined });
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`;
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
