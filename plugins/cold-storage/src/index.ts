export { coldStorage, COLD_STORAGE_PLUGIN, type ColdStorageOptions } from './plugin';
export { ColdStorageService, type RunOptions } from './cold-storage-service';
export type { ArchiveReport, RestoreReport, ColdStoragePlan } from './reports';
export type { ColdStorageState, ColdStorageOperation } from './state/state-store';
export type { Archiver, Restorer, ColdStorageStrategy, OperationContext, PartitionStats, ColdSource, MonthArchived, MonthRestored, FreedObjects, StrategyDefinition, StrategyDependencies } from './strategies/types';
export { tableStrategy, COLD_TABLE, STAGING_TABLE } from './strategies/table';
export { ColdStorageUnreachableError, VerificationFailedError } from './errors';
export { ROW_KEY, ROW_FINGERPRINT, STORED_COLUMNS } from './rows';
export type { S3Location } from './s3-location';
