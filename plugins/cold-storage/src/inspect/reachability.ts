import type { ClickHouse } from '@permafrost/backend-lib';
import { ColdStorageUnreachableError, isS3Failure } from '../errors';
import { bucketUrl } from '../s3-object-keys';
import type { S3Location } from '../s3-location';

/**
 * Asks S3 one cheap question through ClickHouse: a listing under a key prefix nothing is stored at
 * (one LIST request, zero results; never a listing of a shared prefix). It proves the endpoint, bucket
 * and keys answer now, which table metadata alone cannot (parts are listed from local metadata even
 * while S3 is down).
 */
export async function probeS3(ch: ClickHouse, s3: S3Location): Promise<void> {
  const prefix = [s3.prefix, '_inspect', 'reachability-probe'].filter(Boolean).join('/');
  await ch.rows(`SELECT count() AS n FROM s3({url:String}, {key:String}, {secret:String}, 'One')`,
    { url: `${bucketUrl(s3)}/${prefix}*`, key: s3.accessKeyId, secret: s3.secretAccessKey }, { s3_throw_on_zero_files_match: 0 } as Record<string, number>);
}

/**
 * Runs `work` with a deadline for answers that need S3. Past the deadline, or when the engine reports an
 * S3 failure, the answer is COLD_STORAGE_UNREACHABLE. The engine keeps retrying the abandoned request on
 * its own (its s3_retry_attempts bound it); nothing here waits for it.
 */
export async function withinDeadline<T>(work: () => Promise<T>, deadlineMs: number, what: string, workspaceId?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ColdStorageUnreachableError(
      `Cold storage (S3) did not answer within ${deadlineMs} ms (${what}); the cold part is not known. Check S3 and run this again.`,
      { workspaceId, plugin: 'cold-storage' })), deadlineMs);
  });
  const running = work();
  running.catch(() => undefined); // once past the deadline its rejection has no listener left
  try {
    return await Promise.race([running, late]);
  } catch (err) {
    if (err instanceof ColdStorageUnreachableError || !isS3Failure(err)) throw err;
    throw new ColdStorageUnreachableError(`Cold storage (S3) did not answer (${what}): ${String((err as Error).message).split('\n')[0]!.slice(0, 300)}. Check S3 and run this again.`,
      { workspaceId, plugin: 'cold-storage', cause: err });
  } finally {
    clearTimeout(timer);
  }
}
