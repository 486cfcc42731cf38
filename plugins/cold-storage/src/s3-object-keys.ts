import type { ClickHouse } from '@permafrost/backend-lib';
import type { S3Location } from './s3-location';

const BATCH = 40;

/**
 * How many of these object keys still exist in the bucket, asked of S3 itself through ClickHouse's s3()
 * (a listing per key with the key as prefix: brace lists of exact keys make the engine HEAD each and fail
 * on the first missing one).
 */
export async function countExistingObjects(ch: ClickHouse, s3: S3Location, keys: readonly string[]): Promise<number> {
  let existing = 0;
  for (let i = 0; i < keys.length; i += BATCH) {
    const batch = keys.slice(i, i + BATCH);
    const params: Record<string, string> = { key: s3.accessKeyId, secret: s3.secretAccessKey };
    const selects = batch.map((objectKey, j) => {
      params[`u${j}`] = `${bucketUrl(s3)}/${escapeGlob(objectKey)}*`;
      return `SELECT _path AS p FROM s3({u${j}:String}, {key:String}, {secret:String}, 'One')`;
    });
    const [row] = await ch.rows<{ n: string }>(
      `SELECT count() AS n FROM (${selects.join(' UNION ALL ')}) WHERE p IN {paths:Array(String)}`,
      { ...params, paths: batch.map((k) => `${s3.bucket}/${k}`) },
      // A key listed while the engine deletes it answers 404 to the follow-up HEAD: count it as gone.
      { s3_throw_on_zero_files_match: 0, s3_ignore_file_doesnt_exist: 1 } as Record<string, number>,
    );
    existing += Number(row?.n ?? 0);
  }
  return existing;
}

export function bucketUrl(s3: S3Location): string {
  return `${s3.endpoint.replace(/\/+$/, '')}/${s3.bucket}`;
}

/** Glob metacharacters in a key would widen the listing. */
function escapeGlob(key: string): string {
  return key.replace(/[*?{}[\]]/g, '\\$&');
}

/** Objects are removed just after DROP PARTITION returns; give stragglers a few seconds before reporting them. */
export async function awaitObjectsGone(ch: ClickHouse, s3: S3Location, keys: readonly string[], timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await countExistingObjects(ch, s3, keys);
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}
