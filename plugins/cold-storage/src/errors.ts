import { PermafrostError } from '@permafrost/core';

/** S3 (or the engine's S3 disk) did not answer; nothing was deleted and a retry finishes the work. */
export class ColdStorageUnreachableError extends PermafrostError {
  readonly code = 'COLD_STORAGE_UNREACHABLE';
}

/** Cold and hot disagreed where they must agree; the step that would have deleted or freed data did not run. */
export class VerificationFailedError extends PermafrostError {
  readonly code = 'VERIFICATION_FAILED';
}

/** ClickHouse reports S3 failures as code 499 (S3_ERROR); network failures of the disk show as these too. */
export function isS3Failure(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '499' || /S3_ERROR|S3 exception|Poco::Exception.*Connection refused|NETWORK_ERROR|while reading .* on disk/i.test(e?.message ?? '');
}
