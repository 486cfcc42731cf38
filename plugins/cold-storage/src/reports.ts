import type { ColdStorageState } from './state/journal';
import type { HotSnapshot, PartitionStats } from './strategies/types';

export interface ArchiveReport {
  workspaceId: string;
  outcome: 'archived' | 'noop';
  /** Why nothing happened, or a summary of what did. */
  note: string;
  operationId?: string;
  strategy: string;
  /** The hot rows the archive owned: each table's rows at or under these block numbers. */
  snapshot?: HotSnapshot;
  months: Array<PartitionStats & { checksum: string }>;
  /** user_events_v2 rows archived (internal_events rows travel with them: `internalRows`). */
  rows: number;
  internalRows: number;
  bytes: number;
  /** Hot events committed after the archive began, left hot for a later archive. */
  stayedHot: number;
  durationMs: number;
}

export interface RestoreReport {
  workspaceId: string;
  outcome: 'restored' | 'noop';
  note: string;
  operationId?: string;
  strategy: string;
  months: Array<{ month: number; rows: number; checksum: string; pages: number }>;
  rows: number;
  /** Cold objects the freed partitions had; how many of them were asked of S3 (all, or an even sample); how many of those S3 still lists (0 when clean). */
  objectsFreed: number;
  objectsChecked: number;
  objectsLeft: number;
  durationMs: number;
}

export interface ColdStoragePlan {
  workspaceId: string;
  state: ColdStorageState;
  strategy: string;
  /** What an archive would copy now (hot months). */
  hot: { partitions: PartitionStats[]; rows: number; bytes: number };
  /** What a restore would bring back (cold months). */
  cold: { partitions: PartitionStats[]; rows: number; bytes: number };
  nextOperation: 'archive' | 'restore' | 'none';
}
