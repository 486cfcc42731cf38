import { assertWorkspaceId } from '@permafrost/backend-lib';
import { withContext } from '../context';
import { bytes, table } from '../output/human';
import type { CommandIO } from '../program/lazy-action';
import type { StatusAllFlags } from './inspect';

// Type-only: the module itself loads only for `status --all`.
const wantsStatusAll = (flags: StatusAllFlags) => Boolean(flags.all || flags.status || flags.coldState || flags.failed || flags.limit || flags.cursor || flags.data);

export interface StatusRow {
  id: string;
  name: string;
  status: string;
  coldStorage: string;
  strategy: string;
  hotRows: number;
  coldRows: number;
  coldBytes: number;
}

/** `data: { workspaces: [...] }`, one workspace or all: the same shape either way. `--all …` pages (inspect.ts). */
export async function run(io: CommandIO, workspace: string | undefined, flags: StatusAllFlags = {}): Promise<void> {
  if (wantsStatusAll(flags)) return (require('./inspect') as typeof import('./inspect')).runStatusAll(io, workspace, flags);
  if (workspace !== undefined) assertWorkspaceId(workspace); // NOT_FOUND before any server is reached
  await withContext({ ...io.options, command: 'status', readOnly: true }, async (ctx) => {
    const list = workspace ? [await ctx.workspaces.getWorkspace(workspace)] : await ctx.workspaces.listWorkspaces();
    const workspaces: StatusRow[] = await Promise.all(list.map(async (w) => {
      const plan = await ctx.coldStorage.plan(w.id);
      return { id: w.id, name: w.name, status: w.status, coldStorage: plan.state, strategy: plan.strategy, hotRows: plan.hot.rows, coldRows: plan.cold.rows, coldBytes: plan.cold.bytes };
    }));
    // The part wall is fleet-wide: how close the cold tables are to it, from table metadata (no part listed).
    const coldParts = await ctx.coldStorage.coldCapacity();
    io.out.result({ workspaces, coldParts }, () => [
      workspaces.length === 0 ? 'no workspaces' : table(
        ['workspace', 'name', 'status', 'cold storage', 'strategy', 'hot rows', 'cold rows', 'cold bytes'],
        workspaces.map((r) => [r.id, r.name.length > 30 ? `${r.name.slice(0, 29)}…` : r.name, r.status, r.coldStorage, r.strategy, r.hotRows, r.coldRows, bytes(r.coldBytes)])),
      ...coldParts.map((c) => `cold parts, ${c.table}: ${c.activeParts} of ${c.maxPartsInTotal} allowed (${c.limitSource === 'table' ? 'table setting' : 'engine default'}; archives refused above ${c.refuseAbove})`),
    ].join('\n'));
  });
}
