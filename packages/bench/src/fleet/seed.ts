import pLimit from 'p-limit';
import { seedEvents, type ClickHouse, type WorkspaceService } from '@permafrost/backend-lib';

/**
 * Creates `count` workspaces and seeds `events` each with the project's seed (realistic segment-style
 * events over `months` months, every 20th a platform-internal DF event, so internal_events fills too).
 * Inserts run a few at a time: each is one INSERT … SELECT the engine runs on its own threads.
 */
export async function seedWorkspaces(
  workspaces: WorkspaceService, ch: ClickHouse,
  options: { count: number; events: number; months: number; namePrefix: string },
): Promise<string[]> {
  const create = pLimit(8);
  const ids = await Promise.all(Array.from({ length: options.count }, (_, i) =>
    create(async () => (await workspaces.createWorkspace({ name: `${options.namePrefix}-${i + 1}` })).id)));
  const insert = pLimit(4);
  await Promise.all(ids.map((id, i) => insert(() => seedEvents(ch, id, { count: options.events, months: options.months, seed: i + 1 }))));
  return ids;
}
