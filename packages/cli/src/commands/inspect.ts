import {
  assertWorkspaceId, describeAction, WorkspaceInspector,
  type HistoryPage, type StatusFilter, type StatusPage, type WorkspaceDescription,
} from '@permafrost/backend-lib';
import { InvalidInputError } from '@permafrost/core';
import { withContext } from '../context';
import { table, bytes } from '../output/human';
import type { CommandIO } from '../program/lazy-action';

/**
 * What happened to a workspace and what to do next: `history`, `describe`, and `status --all` (a bulk,
 * paged listing). Read-only: they open the app without the S3 write probe, and answer while S3 is down
 * (the cold part then says COLD_STORAGE_UNREACHABLE).
 */
export interface StatusAllFlags {
  all?: boolean;
  status?: StatusFilter['status'];
  coldState?: StatusFilter['coldState'];
  failed?: boolean;
  limit?: number;
  cursor?: string;
  data?: boolean;
}

export async function runHistory(io: CommandIO, workspace: string, cmd: { limit: number; cursor?: string }): Promise<void> {
  assertWorkspaceId(workspace);
  const page = await inspect(io, (i) => i.history(workspace, { limit: cmd.limit, cursor: cmd.cursor }));
  io.out.result(page, () => renderHistory(page));
}

export async function runDescribe(io: CommandIO, workspace: string): Promise<void> {
  assertWorkspaceId(workspace);
  const description = await inspect(io, (i) => i.describe(workspace));
  io.out.result(description, () => renderDescription(description));
}

/** `status --all …`: one page of workspaces. */
export async function runStatusAll(io: CommandIO, workspace: string | undefined, flags: StatusAllFlags): Promise<void> {
  if (workspace !== undefined || !flags.all) {
    throw new InvalidInputError(workspace !== undefined
      ? 'status <workspace> takes no --all, filters or paging; use `status <workspace>` alone, or `status --all …` for a page of workspaces.'
      : '--status, --cold-state, --failed, --limit, --cursor and --data page through workspaces: add --all.');
  }
  const page = await inspect(io, (i) => i.listStatuses({
    status: flags.status, coldState: flags.coldState, hasFailure: flags.failed ? true : undefined,
    limit: flags.limit, cursor: flags.cursor, withData: flags.data ?? false,
  }));
  io.out.result(page, () => renderStatuses(page));
}

async function inspect<T>(io: CommandIO, fn: (inspector: WorkspaceInspector) => Promise<T>): Promise<T> {
  return withContext({ ...io.options, command: io.command, readOnly: true }, (ctx) => fn(ctx.app.resolve(WorkspaceInspector)));
}

const ms = (n: number | null) => (n === null ? '-' : `${n}`);
const short = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

function renderHistory(page: HistoryPage): string {
  if (page.entries.length === 0) return `workspace ${page.workspaceId}: no transitions or operations recorded`;
  const rows = page.entries.map((e) => {
    const failure = e.error ?? (e.failures.length > 0 ? e.failures.at(-1)! : null);
    const cause = e.failures.at(-1)?.causeCode;
    return [
      time(e.startedAt), e.kind === 'transition' ? 'transition' : 'cold storage', e.operation, e.state, e.attempts, ms(e.durationMs), e.steps.length,
      failure ? short(`${failure.code ?? 'ERROR'}${cause ? `/${cause}` : ''}${e.error ? '' : ' (retried)'}: ${failure.message}`) : '',
    ];
  });
  const lines = [`workspace ${page.workspaceId}, newest first`, table(['started', 'kind', 'operation', 'state', 'attempts', 'ms', 'steps', 'error'], rows)];
  if (page.nextCursor) lines.push(`more: permafrost history ${page.workspaceId} --cursor ${page.nextCursor}`);
  return lines.join('\n');
}

function renderDescription(d: WorkspaceDescription): string {
  const w = d.workspace;
  const lines = [`workspace ${w.id} (${w.name}): ${w.status}, cold storage ${w.coldStorageState}${w.coldStorageStrategy ? ` (${w.coldStorageStrategy})` : ''}`];
  if (d.latestTransition) {
    const t = d.latestTransition;
    lines.push(`latest transition: ${t.transition} ${t.id} ${t.state} (phase ${t.phase}, attempt ${t.attempts}${t.durationMs === null ? '' : `, ${t.durationMs} ms`}${t.lockHeld ? ', running now' : ''})`);
  }
  if (d.latestOperation) {
    const o = d.latestOperation;
    lines.push(`latest cold-storage operation: ${o.operation} ${o.id} ${o.state} (attempt ${o.attempts}${o.durationMs === null ? '' : `, ${o.durationMs} ms`}${o.lastStep ? `, last step ${o.lastStep}` : ''})`);
  }
  const rows: Array<Array<string | number>> = d.hot.tables.map((t) => [`${t.table} (hot)`, t.rows, `${bytes(t.payloadBytes)} payload`, '-']);
  if (!d.hot.reachable) rows.push(['hot tables', '?', '?', `${d.hot.error?.code}: ${short(d.hot.error?.message ?? '', 80)}`]);
  if (d.cold) {
    for (const t of d.cold.tables) rows.push([`${t.table} (cold)`, t.rows, bytes(t.bytesOnDisk), t.parts === null ? '-' : t.parts]);
    const objects = d.cold.objects;
    if (objects.length > 0) rows.push([`${objects.length} Parquet objects (cold)`, objects.reduce((n, o) => n + o.rows, 0), bytes(objects.reduce((n, o) => n + o.bytes, 0)), '-']);
  }
  lines.push(table(['where', 'rows', 'bytes', 'parts'], rows));
  if (d.cold && !d.cold.reachable) lines.push(`cold storage unreachable: ${d.cold.error?.code}: ${d.cold.error?.message}`);
  const f = d.lastFailure;
  if (f) {
    lines.push(`last failure${f.resolved ? ' (resolved by a retry)' : ''}: ${f.operation} ${f.id} attempt ${f.attempt}, ${f.code ?? 'ERROR'}${f.causeCode ? `/${f.causeCode}` : ''} at ${time(f.at)}${f.step ? ` in ${f.step}` : ''}: ${f.message}`);
  }
  const a = d.nextAction;
  lines.push(`next: ${describeAction(a)}${a.command ? ` (${a.command})` : ''}: ${a.reason}`);
  return lines.join('\n');
}

function renderStatuses(page: StatusPage): string {
  if (page.workspaces.length === 0) return 'no workspaces match';
  const rows = page.workspaces.map((w) => [
    w.id, short(w.name, 24), w.status, w.coldStorageState,
    w.latestTransition ? `${w.latestTransition.transition} ${w.latestTransition.state}` : '-',
    w.failure ? `${w.failure.code ?? 'ERROR'} (${w.failure.operation})` : '',
    ...(page.withData ? [w.hotRows ?? '?', w.coldRows ?? '?'] : []),
    describeAction(w.nextAction),
  ]);
  const headers = ['workspace', 'name', 'status', 'cold storage', 'last transition', 'failure', ...(page.withData ? ['hot rows', 'cold rows'] : []), 'next'];
  const lines = [table(headers, rows)];
  if (page.nextCursor) lines.push(`more: add --cursor ${page.nextCursor}`);
  return lines.join('\n');
}
