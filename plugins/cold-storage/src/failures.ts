import { isPermafrostError } from '@permafrost/core';
import { ColdPartsLimitError, ColdStorageUnreachableError, isS3Failure, isTooManyParts, PARTS_LIMIT_ADVICE } from './errors';

/** What was done when an operation of this kind fails part-way, in words a caller can act on. */
const DONE_SO_FAR = {
  archive: 'No hot row was deleted (hot rows go only after every month is verified cold); months copied so far wait in cold storage for the retry, which never copies a verified month twice',
  // A month is moved hot table by table and then freed: a failure inside it can leave it hot and not yet freed.
  restore: 'Months already restored are hot again and their cold copy freed; the batch of months in progress may already be hot with its cold copy not yet freed (the retry frees it, never moving it twice); the other months are still cold',
} as const;

/**
 * S3 failures become COLD_STORAGE_UNREACHABLE and the engine's part limit COLD_PARTS_LIMIT, each saying
 * what was done; typed errors pass through.
 */
export function typedFailure(err: unknown, workspaceId: string, kind: 'archive' | 'restore'): unknown {
  if (isPermafrostError(err)) return err;
  if (isTooManyParts(err)) {
    // Admission keeps archives under the limit; this is an archive racing others past it, or a restore
    // moving parts into a hot table that is at its own limit.
    return new ColdPartsLimitError(
      `ClickHouse refused an insert during the ${kind} of workspace ${workspaceId}: ${firstLine(err)}. ${DONE_SO_FAR[kind]}. ` +
      `To go on, ${PARTS_LIMIT_ADVICE}; then retry the transition.`,
      { workspaceId, plugin: 'cold-storage', cause: err });
  }
  if (!isS3Failure(err)) return err;
  return new ColdStorageUnreachableError(
    `Cold storage (S3) did not answer during the ${kind} of workspace ${workspaceId}: ${firstLine(err)}. ${DONE_SO_FAR[kind]}; once S3 answers, retry the transition.`,
    { workspaceId, plugin: 'cold-storage', cause: err });
}

/** Steps outside a recorded operation (planning, finishing an earlier one) fail typed too. */
export async function typedFailures<T>(workspaceId: string, kind: 'archive' | 'restore', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw typedFailure(err, workspaceId, kind);
  }
}

/** The first line of an error's message, at most 500 characters: what a journal row and a message quote. */
export function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 500);
}
