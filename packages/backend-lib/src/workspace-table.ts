import { inject, injectable } from 'tsyringe';
import { DataSource, type EntityManager } from 'typeorm';
import type { WorkspaceStatus } from '@permafrost/core/plugin';
import type { ColdStorageState, Workspace } from './db/schema';
import { qualified, quoteIdent } from './schema-profile/sql';
import type { SchemaProfile, TombstoneNaming } from './schema-profile/types';

/** DI token of the data layer's SchemaProfile (the app and every plugin resolve the same one). */
export const SCHEMA_PROFILE = Symbol.for('permafrost.SchemaProfile');

/** Whatever runs SQL: the DataSource's manager, or a transaction's. */
export type SqlRunner = Pick<EntityManager, 'query'>;

/** A workspace row with the platform's facts Permafrost reads but never writes. */
export interface WorkspaceRecord extends Workspace {
  /** The uniqueness scope (Dittofeed's parentWorkspaceId); null for a root, or where the profile has none. */
  parentId: string | null;
  /** The platform's kind of workspace (Dittofeed's type); null where the profile has none. */
  kind: string | null;
}

/**
 * The workspace table's SQL names for queries built elsewhere (status pages, reconcile): quoted
 * identifiers from the profile, and `updatedAt` as an expression read as a UTC instant.
 */
export interface WorkspaceSqlNames {
  readonly table: string;
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly coldStorageState: string;
  readonly coldStorageStrategy: string;
  /** `w.`-qualified read of updatedAt (an instant in both timestamp styles). */
  updatedAt(alias: string): string;
}

export interface WorkspaceColdState {
  state: ColdStorageState;
  strategy: string | null;
  /** The workspace's lifecycle status. */
  status: WorkspaceStatus;
}

/**
 * The workspace table, whatever the platform calls it: every read and write of the row goes through
 * here, with SQL built once from the schema profile (quoted names, values always bound). Timestamps are
 * read and written as UTC instants in both timestamp styles, and `updatedAt` is set on every write (no
 * trigger does it: Dittofeed sets it in application code).
 */
@injectable()
export class WorkspaceTable {
  private readonly table: string;
  private readonly col: Record<'id' | 'name' | 'externalId' | 'status' | 'createdAt' | 'updatedAt' | 'coldStorageState' | 'coldStorageStrategy', string>;
  private readonly parent?: string;
  private readonly kind?: string;
  private readonly select: string;
  private readonly now: string;
  private readonly toStatus: ReadonlyMap<string, WorkspaceStatus>;
  /** Names for SQL built outside this class; values still go in as bound parameters. */
  readonly sql: WorkspaceSqlNames;

  constructor(
    @inject(SCHEMA_PROFILE) readonly profile: SchemaProfile,
    @inject(DataSource) private readonly dataSource: DataSource,
  ) {
    const spec = profile.postgres.workspace;
    const c = spec.columns;
    this.table = qualified(spec.schema, spec.table);
    this.col = {
      id: quoteIdent(c.id), name: quoteIdent(c.name), externalId: quoteIdent(c.externalId), status: quoteIdent(c.status),
      createdAt: quoteIdent(c.createdAt), updatedAt: quoteIdent(c.updatedAt),
      coldStorageState: quoteIdent(c.coldStorageState), coldStorageStrategy: quoteIdent(c.coldStorageStrategy),
    };
    this.parent = c.parentId === undefined ? undefined : quoteIdent(c.parentId);
    this.kind = c.kind === undefined ? undefined : quoteIdent(c.kind);
    // A `timestamp` holding UTC wall-clock time becomes an instant with AT TIME ZONE 'UTC', in and out.
    const utc = spec.timestamps === 'utc-timestamp';
    const read = (column: string) => (utc ? `(${column} AT TIME ZONE 'UTC')` : column);
    this.now = utc ? `(now() AT TIME ZONE 'UTC')` : 'now()';
    const x = this.col;
    this.select = [
      `${x.id}::text AS "id"`, `${x.name} AS "name"`, `${x.externalId} AS "externalId"`, `${x.status}::text AS "status"`,
      `${read(x.createdAt)} AS "createdAt"`, `${read(x.updatedAt)} AS "updatedAt"`,
      `${x.coldStorageState}::text AS "coldStorageState"`, `${x.coldStorageStrategy} AS "coldStorageStrategy"`,
      `${this.parent ? `${this.parent}::text` : 'NULL::text'} AS "parentId"`, `${this.kind ? `${this.kind}::text` : 'NULL::text'} AS "kind"`,
    ].join(', ');
    this.toStatus = new Map(Object.entries(spec.statusValues).map(([status, value]) => [value, status as WorkspaceStatus]));
    this.sql = {
      table: this.table, id: x.id, name: x.name, status: x.status, coldStorageState: x.coldStorageState, coldStorageStrategy: x.coldStorageStrategy,
      updatedAt: (alias) => read(`${alias}.${x.updatedAt}`),
    };
  }

  /** How this platform renames tombstoned workspaces. */
  get naming(): TombstoneNaming {
    return this.profile.tombstone;
  }

  async find(workspaceId: string, options: { tx?: SqlRunner; forUpdate?: boolean } = {}): Promise<WorkspaceRecord | undefined> {
    const rows = await (options.tx ?? this.dataSource.manager).query(
      `SELECT ${this.select} FROM ${this.table} WHERE ${this.col.id} = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [workspaceId]);
    return rows[0] ? this.record(rows[0]) : undefined;
  }

  async list(): Promise<WorkspaceRecord[]> {
    const rows = await this.dataSource.query(`SELECT ${this.select} FROM ${this.table} ORDER BY ${this.col.createdAt}, ${this.col.id}`);
    return rows.map((r: Record<string, unknown>) => this.record(r));
  }

  /** A new Active root workspace; the driver's unique violation (23505) reaches the caller as is. */
  async insert(values: { name: string; externalId: string | null }): Promise<WorkspaceRecord> {
    const x = this.col;
    const rows = await this.dataSource.query(
      `INSERT INTO ${this.table} (${x.name}, ${x.externalId}, ${x.status}, ${x.createdAt}, ${x.updatedAt})
       VALUES ($1, $2, $3, ${this.now}, ${this.now}) RETURNING ${this.select}`,
      [values.name, values.externalId, this.statusValue('Active')]);
    return this.record(rows[0]);
  }

  /** Name, external id and status together, in the caller's transaction; `updatedAt` moves with them. */
  async update(tx: SqlRunner, workspaceId: string, changes: { name: string; externalId: string | null; status: WorkspaceStatus }): Promise<void> {
    const x = this.col;
    await tx.query(
      `UPDATE ${this.table} SET ${x.name} = $2, ${x.externalId} = $3, ${x.status} = $4, ${x.updatedAt} = ${this.now} WHERE ${x.id} = $1`,
      [workspaceId, changes.name, changes.externalId, this.statusValue(changes.status)]);
  }

  /**
   * Another workspace holding `name` or `externalId` where the platform's unique constraints would
   * refuse them for `workspace` (globally, or under the same parent), or undefined.
   */
  async holder(tx: SqlRunner, workspace: WorkspaceRecord, values: { name: string; externalId: string | null }): Promise<{ id: string; field: 'name' | 'external id'; value: string } | undefined> {
    const x = this.col;
    // Per parent: names are unique among siblings (roots included, NULLS NOT DISTINCT); external ids
    // only under a parent (NULLs distinct: roots may share one).
    const scope = this.profile.postgres.workspace.uniqueness === 'per-parent'
      ? { where: ` AND ${this.parent}::text IS NOT DISTINCT FROM $4::text`, externalIdScoped: ` AND $4::text IS NOT NULL` }
      : { where: '', externalIdScoped: '' };
    const rows: Array<{ id: string; name: string; externalId: string | null }> = await tx.query(
      `SELECT ${x.id}::text AS "id", ${x.name} AS "name", ${x.externalId} AS "externalId" FROM ${this.table}
       WHERE ${x.id} <> $1${scope.where} AND (${x.name} = $2 OR ($3::text IS NOT NULL${scope.externalIdScoped} AND ${x.externalId} = $3::text))
       LIMIT 1`,
      [workspace.id, values.name, values.externalId, ...(scope.where ? [workspace.parentId] : [])]);
    const row = rows[0];
    if (!row) return undefined;
    return row.name === values.name ? { id: row.id, field: 'name', value: values.name } : { id: row.id, field: 'external id', value: values.externalId! };
  }

  /** The row's status as Permafrost names it, locked for the caller's transaction. */
  async statusForUpdate(tx: SqlRunner, workspaceId: string): Promise<WorkspaceStatus | undefined> {
    return (await this.find(workspaceId, { tx, forUpdate: true }))?.status;
  }

  async coldState(workspaceId: string): Promise<WorkspaceColdState | undefined> {
    const ws = await this.find(workspaceId);
    return ws ? { state: ws.coldStorageState, strategy: ws.coldStorageStrategy, status: ws.status } : undefined;
  }

  /** Where the workspace's events are; `strategy` undefined leaves the strategy column as it is. */
  async setColdState(tx: SqlRunner, workspaceId: string, state: ColdStorageState, strategy?: string | null): Promise<void> {
    const x = this.col;
    if (strategy === undefined) {
      await tx.query(`UPDATE ${this.table} SET ${x.coldStorageState} = $2 WHERE ${x.id} = $1`, [workspaceId, state]);
    } else {
      await tx.query(`UPDATE ${this.table} SET ${x.coldStorageState} = $2, ${x.coldStorageStrategy} = $3 WHERE ${x.id} = $1`, [workspaceId, state, strategy]);
    }
  }

  /** Drops the platform-only fields: the shape WorkspaceService returns. */
  static toWorkspace(record: WorkspaceRecord): Workspace {
    const { parentId: _parentId, kind: _kind, ...workspace } = record;
    return workspace;
  }

  /** The value the platform stores for a Permafrost status. */
  statusValue(status: WorkspaceStatus): string {
    return this.profile.postgres.workspace.statusValues[status];
  }

  /** The Permafrost status of a stored value; a value the profile does not map is an error, never guessed. */
  statusOf(value: string, workspaceId: string): WorkspaceStatus {
    const status = this.toStatus.get(value);
    if (!status) throw new Error(`workspace ${workspaceId} has status ${JSON.stringify(value)}, which the ${this.profile.name} schema profile does not map`);
    return status;
  }

  private record(row: Record<string, unknown>): WorkspaceRecord {
    const status = this.statusOf(row.status as string, String(row.id));
    return {
      id: row.id as string,
      name: row.name as string,
      externalId: (row.externalId as string | null) ?? null,
      status,
      createdAt: row.createdAt as Date,
      updatedAt: row.updatedAt as Date,
      coldStorageState: row.coldStorageState as ColdStorageState,
      coldStorageStrategy: (row.coldStorageStrategy as string | null) ?? null,
      parentId: (row.parentId as string | null) ?? null,
      kind: (row.kind as string | null) ?? null,
    };
  }
}
