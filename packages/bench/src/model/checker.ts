import { INTERNAL_EVENTS_TABLE, STORED_EVENT_COLUMNS, USER_EVENTS_TABLE, type ClickHouse } from '@permafrost/backend-lib';
import { s3Url } from '@permafrost/dev-stack';
import { COLD_TABLE } from '@permafrost/plugin-cold-storage';
import type { Sut } from './boot';
import type { WorkspaceModel } from './model';
import { REF_INTERNAL_EVENTS, REF_USER_EVENTS } from './reference';
import type { RowDiff, StrategyName, Violation } from './types';

/** The cold table of internal events the cold-storage rewrite adds; absent before it (then: empty). */
export const INTERNAL_COLD_TABLE = 'internal_events_cold_storage';
const PARQUET_STRUCTURE = 'message_id String, workspace_id String, server_time DateTime64(3), message_raw String, processing_time DateTime64(3)';

export interface CheckOptions {
  strategy: StrategyName;
  /** Which tables' multisets to check (both by default). */
  tables: ReadonlyArray<'user_events' | 'internal_events'>;
  /** When true, rows dated after now (e.g. 2090: past any archive's watermark) may stay hot after an archive. */
  futureMayStayHot: boolean;
}

/** A row source: SQL over which `workspace_id = {ws:String}` filters one workspace. */
interface Source {
  from: string;
  params?: Record<string, unknown>;
  settings?: Record<string, number>;
}

const quote = (c: string) => `\`${c}\``;

async function columnsOf(ch: ClickHouse, table: string): Promise<string[]> {
  const rows = await ch.rows<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`, { t: table });
  // Underscore columns (e.g. _block_number) are the engine's row identity, not data: they differ by copy.
  return rows.map((r) => r.name).filter((n) => !n.startsWith('_'));
}

async function tableExists(ch: ClickHouse, table: string): Promise<boolean> {
  const row = await ch.one<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}`, { t: table });
  return Number(row.n) > 0;
}

/**
 * Exact multiset comparison by the engine: every row of `expected` counts +1 on its side, every row of
 * the `actual` sources +1 on the other, grouped by all compared columns; any group whose two counts
 * differ is a lost or gained copy. No join: a UNION ALL and one GROUP BY, so identical rows keep counts.
 */
async function multisetDiff(ch: ClickHouse, ws: string, columns: readonly string[], expected: Source, actual: readonly Source[]): Promise<RowDiff[]> {
  const cols = columns.map(quote).join(', ');
  const where = 'workspace_id = {ws:String}';
  const parts = [
    `SELECT ${cols}, 1 AS e__, 0 AS a__ FROM ${expected.from} WHERE ${where}`,
    ...actual.map((s) => `SELECT ${cols}, 0 AS e__, 1 AS a__ FROM ${s.from} WHERE ${where}`),
  ];
  const params = Object.assign({ ws }, expected.params, ...actual.map((s) => s.params ?? {}));
  const settings = Object.assign({}, ...actual.map((s) => s.settings ?? {}));
  const rows = await ch.rows<Record<string, unknown> & { e__: string; a__: string }>(
    `SELECT ${cols}, sum(e__) AS e__, sum(a__) AS a__ FROM (${parts.join(' UNION ALL ')})
     GROUP BY ${cols} HAVING e__ != a__ ORDER BY ${cols} LIMIT 20`, params, settings);
  return rows.map(({ e__, a__, ...row }) => ({ expected: Number(e__), actual: Number(a__), row }));
}

async function countRows(ch: ClickHouse, ws: string, source: Source, extra = ''): Promise<number> {
  const row = await ch.one<{ n: string }>(`SELECT count() AS n FROM ${source.from} WHERE workspace_id = {ws:String} ${extra}`, { ws, ...source.params }, source.settings);
  return Number(row.n);
}

/** Where a workspace's cold rows are, for the strategies this run uses. */
async function coldSources(sut: Sut, ws: string, strategy: StrategyName): Promise<{ user: Source[]; internal: Source[] }> {
  const user: Source[] = [{ from: COLD_TABLE }];
  if (strategy === 'parquet') {
    user.push({
      from: `s3({glob:String}, {s3key:String}, {s3secret:String}, 'Parquet', '${PARQUET_STRUCTURE}')`,
      params: { glob: s3Url(sut.stack.s3, 'parquet', ws, '*', '*.parquet'), s3key: sut.stack.s3.accessKeyId, s3secret: sut.stack.s3.secretAccessKey },
      settings: { s3_throw_on_zero_files_match: 0 },
    });
  }
  const internal: Source[] = (await tableExists(sut.ch, INTERNAL_COLD_TABLE)) ? [{ from: INTERNAL_COLD_TABLE }] : [];
  return { user, internal };
}

/**
 * Checks one workspace against the model and its reference rows (the caller settled its deletes first):
 *  - Active with cold state 'none': hot equals the reference on every column, and nothing is cold;
 *  - otherwise: hot ∪ cold equals the reference (user events on the five stored columns, the rest are
 *    DEFAULTs of message_raw; internal events on every column);
 *  - the status is the model's; Active (after successful steps) means cold state 'none';
 *  - after an archive with no ingestion since, no hot row is left.
 */
export async function checkWorkspace(sut: Sut, ws: string, model: WorkspaceModel, opts: CheckOptions): Promise<Array<Omit<Violation, 'step' | 'ws'>>> {
  const out: Array<Omit<Violation, 'step' | 'ws'>> = [];
  const status = (await sut.workspaces.getWorkspace(ws)).status as string;
  const cold = await sut.cold.status(ws);
  const coldState: string = cold.state;
  if (status !== model.status) out.push({ kind: 'status', message: `status is ${status}, the model says ${model.status}` });
  if (model.status === 'Active' && !model.broken && coldState !== 'none') {
    out.push({ kind: 'status', message: `Active but cold state is ${coldState} (last operation: ${JSON.stringify(cold.lastOperation ?? null)})` });
  }

  const sources = await coldSources(sut, ws, opts.strategy);
  const allHot = status === 'Active' && coldState === 'none';
  const check = async (table: string, columns: string[], expected: string, hot: string, coldOnes: Source[]) => {
    const actual = allHot ? [{ from: hot }] : [{ from: hot }, ...coldOnes];
    const diffs = await multisetDiff(sut.ch, ws, columns, { from: expected }, actual);
    if (diffs.length > 0) {
      out.push({ kind: 'multiset', table, diffs, message: `${table}: ${allHot ? 'hot' : 'hot ∪ cold'} differs from what was ingested (status ${status}, cold ${coldState}; first ${diffs.length} differing rows)` });
    }
    if (allHot) {
      for (const s of coldOnes) {
        const n = await countRows(sut.ch, ws, s);
        if (n > 0) out.push({ kind: 'placement', table, message: `${table}: Active with cold state none, yet ${n} rows are cold in ${s.from.slice(0, 40)}` });
      }
    }
  };
  if (opts.tables.includes('user_events')) {
    const columns = allHot ? await columnsOf(sut.ch, USER_EVENTS_TABLE) : [...STORED_EVENT_COLUMNS];
    await check(USER_EVENTS_TABLE, columns, REF_USER_EVENTS, USER_EVENTS_TABLE, sources.user);
  }
  if (opts.tables.includes('internal_events')) {
    await check(INTERNAL_EVENTS_TABLE, await columnsOf(sut.ch, INTERNAL_EVENTS_TABLE), REF_INTERNAL_EVENTS, INTERNAL_EVENTS_TABLE, sources.internal);
  }

  if (model.settledCold && !model.broken && status !== 'Active') {
    // The archive's watermark is the engine's clock when it began: rows dated after now are past it.
    const exempt = opts.futureMayStayHot ? 'AND processing_time <= now64(3)' : '';
    for (const table of [USER_EVENTS_TABLE, INTERNAL_EVENTS_TABLE]) {
      const n = await countRows(sut.ch, ws, { from: table }, exempt);
      if (n > 0) out.push({ kind: 'placement', table, message: `${table}: ${status} after an archive with no ingestion since, yet ${n} rows are still hot (cold ${coldState})` });
    }
  }
  return out;
}
