import { PermafrostError, type ErrorDetails } from '@permafrost/core';

/** S3 (or the engine's S3 disk) did not answer; nothing was deleted and a retry finishes the work. */
export class ColdStorageUnreachableError extends PermafrostError {
  readonly code = 'COLD_STORAGE_UNREACHABLE';
}

/** Cold and hot disagreed where they must agree; the step that would have deleted or freed data did not run. */
export class VerificationFailedError extends PermafrostError {
  readonly code = 'VERIFICATION_FAILED';
}

/**
 * A cold table is at (or an archive would take it past) its safe share of `max_parts_in_total`, where
 * the engine refuses every insert with TOO_MANY_PARTS. Raised before an archive begins (nothing was
 * copied or recorded), or when the engine refused a copy mid-archive (what was done is in the message).
 */
export class ColdPartsLimitError extends PermafrostError {
  readonly code = 'COLD_PARTS_LIMIT';
  /** The cold table at its limit. */
  readonly table?: string;
  constructor(message: string, details: ErrorDetails & { table?: string } = {}) {
    super(message, details);
    this.table = details.table;
  }
}

/** What to do at the part wall, for every message that meets it. */
export const PARTS_LIMIT_ADVICE =
  'archive this workspace (or the fleet) with the parquet strategy (objects on S3, no part limit), raise max_parts_in_total on the cold table ' +
  '(ALTER TABLE … MODIFY SETTING max_parts_in_total = …; every part also costs engine start time and query planning), or free parts ' +
  '(restore workspaces that no longer need cold storage; OPTIMIZE TABLE … FINAL merges the parts inside each workspace-month partition, never across them)';

/** ClickHouse reports S3 failures as code 499 (S3_ERROR); network failures of the disk show as these too. */
export function isS3Failure(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '499' || /S3_ERROR|S3 exception|Poco::Exception.*Connection refused|NETWORK_ERROR|while reading .* on disk/i.test(e?.message ?? '');
}

/** The engine refused an insert because the table holds max_parts_in_total active parts (code 252). */
export function isTooManyParts(err: unknown): boolean {
  const e = err as { code?: string; type?: string; message?: string };
  return e?.code === '252' || e?.type === 'TOO_MANY_PARTS' || /\(TOO_MANY_PARTS\)|Too many parts \(\d+\) in all partitions in total/.test(e?.message ?? '');
}
