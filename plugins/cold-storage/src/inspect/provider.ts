import pLimit from 'p-limit';
import type { DataSource } from 'typeorm';
import { isPermafrostError } from '@permafrost/core';
import type {
  ClickHouse, DescribeOptions, HistoryPosition, InspectedError, InspectionProvider, PositionedEntry, ProviderDescription, ProviderStatus, StorageDescription,
} from '@permafrost/backend-lib';
import type { S3Location } from '../s3-location';
import { ParquetObjects } from '../strategies/parquet/objects';
import type { ColdStorageStrategy } from '../strategies/types';
import { parquetInventory, strategyInventory, tableColdRows, tableInventory, type ColdInventory } from './cold-inventory';
import { OperationHistory } from './operation-history';
import { probeS3, withinDeadline } from './reachability';

export const COLD_STORAGE_INSPECTION = 'cold-storage';

/**
 * Cold storage's part of WorkspaceInspector: its operations and steps in history, where a workspace's
 * cold rows are (tables and parts, or objects) and its latest operation. Read-only. Anything that needs
 * S3 runs under the caller's deadline and is reported as COLD_STORAGE_UNREACHABLE instead of failing the
 * answer; what local table metadata knows is still given.
 */
export class ColdStorageInspection implements InspectionProvider {
  readonly name = COLD_STORAGE_INSPECTION;
  private readonly operations: OperationHistory;
  private readonly parquet: ParquetObjects;

  constructor(
    private readonly ch: ClickHouse,
    dataSource: DataSource,
    private readonly strategies: ReadonlyMap<string, ColdStorageStrategy>,
    private readonly s3: S3Location,
    private readonly defaultStrategy: string,
  ) {
    this.operations = new OperationHistory(dataSource);
    this.parquet = new ParquetObjects(s3);
  }

  history(workspaceId: string, page: { limit: number; before?: HistoryPosition }): Promise<PositionedEntry[]> {
    return this.operations.history(workspaceId, page);
  }

  async describe(workspaceId: string, options: DescribeOptions): Promise<ProviderDescription> {
    const strategy = this.strategyOf(options.workspace.coldStorageState === 'none' ? null : options.workspace.coldStorageStrategy);
    const [latest, storage] = await Promise.all([this.operations.latest([workspaceId]), this.storage(workspaceId, strategy, options.deadlineMs)]);
    return { storage, latestOperation: latest.get(workspaceId) ?? null };
  }

  async statuses(workspaceIds: readonly string[], options: { withData: boolean; deadlineMs: number; strategies: ReadonlyMap<string, string | null> }): Promise<Map<string, ProviderStatus>> {
    const latest = await this.operations.latest(workspaceIds);
    const result = new Map(workspaceIds.map((id): [string, ProviderStatus] => [id, { latestOperation: latest.get(id) ?? null }]));
    if (!options.withData) return result;
    const byStrategy = new Map<string, string[]>();
    for (const id of workspaceIds) {
      const name = this.strategyOf(options.strategies.get(id) ?? null);
      byStrategy.set(name, [...(byStrategy.get(name) ?? []), id]);
    }
    // Table workspaces: one metadata query for all of them. Others need their own store (S3), each
    // under the deadline, a few at once; only asked for with data.
    const table = byStrategy.get('table') ?? [];
    try {
      const counts = await tableColdRows(this.ch, table);
      for (const id of table) result.get(id)!.storedRows = counts.get(id) ?? 0;
    } catch (err) {
      for (const id of table) Object.assign(result.get(id)!, { storedRows: null, storageError: errorOf(err) });
    }
    const limit = pLimit(4);
    await Promise.all([...byStrategy].filter(([name]) => name !== 'table').flatMap(([name, ids]) => ids.map((id) => limit(async () => {
      const storage = await this.storage(id, name, options.deadlineMs);
      Object.assign(result.get(id)!, { storedRows: storage.rows, storageError: storage.error });
    }))));
    return result;
  }

  private strategyOf(name: string | null): string {
    return name ?? this.defaultStrategy;
  }

  private async storage(workspaceId: string, name: string, deadlineMs: number): Promise<StorageDescription> {
    const started = Date.now();
    const answer = (inventory: ColdInventory | undefined, error: InspectedError | null, source?: string): StorageDescription => ({
      name: 'cold', strategy: name, reachable: error === null, error,
      rows: inventory?.rows ?? null, bytesOnDisk: inventory?.bytesOnDisk ?? null, tables: inventory?.tables ?? [], objects: inventory?.objects ?? [],
      source: source ?? inventory?.source ?? 'none', elapsedMs: Date.now() - started,
    });
    try {
      if (name === 'table') {
        // Part metadata is local to the engine and answers while S3 is down; the probe says whether S3 does.
        const inventory = await tableInventory(this.ch, workspaceId);
        try {
          await withinDeadline(() => probeS3(this.ch, this.s3), deadlineMs, 'reachability probe', workspaceId);
          return answer(inventory, null);
        } catch (err) {
          return answer(inventory, errorOf(err), `${inventory.source}; S3 did not answer, so the objects behind these parts were not checked`);
        }
      }
      const strategy = this.strategies.get(name);
      if (!strategy) return answer(undefined, { code: 'STRATEGY_NOT_CONFIGURED', message: `cold storage strategy ${name} is not configured in this process; boot its plugin to see (and restore) this workspace's cold data` });
      const inventory = await withinDeadline(
        () => (name === 'parquet' ? parquetInventory(this.ch, this.parquet, workspaceId) : strategyInventory(strategy, workspaceId)),
        deadlineMs, `reading the ${name} strategy's cold data`, workspaceId);
      return answer(inventory, null);
    } catch (err) {
      return answer(undefined, errorOf(err));
    }
  }
}

function errorOf(err: unknown): InspectedError {
  return { code: isPermafrostError(err) ? err.code : 'CLICKHOUSE_ERROR', message: String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 500) };
}
