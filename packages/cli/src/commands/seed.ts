import { assertWorkspaceId, seedEvents } from '@permafrost/backend-lib';
import { withContext } from '../context';
import type { CommandIO } from '../program/lazy-action';
import { startProgress } from '../progress/progress';

/** Rows per seeding statement: bounded memory in the engine, progress between chunks. */
const CHUNK = 250_000;

export async function run(io: CommandIO, cmd: { events: number; workspace: string; months: number }): Promise<void> {
  assertWorkspaceId(cmd.workspace);
  await withContext({ ...io.options, command: 'seed' }, async (ctx) => {
    await ctx.workspaces.getWorkspace(cmd.workspace);
    const progress = startProgress(io.options.progress ?? 'auto', { json: io.out.json });
    try {
      const started = Date.now();
      const seed = Date.now() % 1_000_000;
      for (let offset = 0; offset < cmd.events; offset += CHUNK) {
        await seedEvents(ctx.ch, cmd.workspace, { count: Math.min(CHUNK, cmd.events - offset), offset, seed, months: cmd.months, users: Math.max(1, Math.floor(cmd.events / 20)) });
        progress.update({ step: 'seed', done: Math.min(offset + CHUNK, cmd.events), total: cmd.events, unit: 'events', workspaceId: cmd.workspace });
      }
      progress.stop();
      const durationMs = Date.now() - started;
      io.out.result({ workspaceId: cmd.workspace, inserted: cmd.events, durationMs }, () => `seeded ${cmd.events} events into ${cmd.workspace} in ${durationMs} ms`);
    } finally {
      progress.stop();
    }
  });
}
