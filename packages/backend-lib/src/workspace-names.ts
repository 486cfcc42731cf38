/**
 * A tombstoned workspace gives up its name and external id so new workspaces can take them: both get a
 * prefix that embeds the workspace id (unique, so two tombstoned "acme"s never collide) and come back
 * unchanged on untombstone.
 */
export const TOMBSTONE_PREFIX = 'tombstoned:';
const PREFIX = TOMBSTONE_PREFIX;

export function tombstonedValue(workspaceId: string, value: string): string {
  return `${PREFIX}${workspaceId}:${value}`;
}

export function originalValue(workspaceId: string, value: string): string {
  const prefix = `${PREFIX}${workspaceId}:`;
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}
