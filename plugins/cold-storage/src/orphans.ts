import type { ClickHouse } from '@permafrost/backend-lib';
import { bucketUrl } from './s3-object-keys';
import type { S3Location } from './s3-location';
import { deleteObjects } from './s3-delete';

export interface OrphanReport {
  /** Objects under the cold disk's prefix, as S3 lists them. */
  listed: number;
  /** Of those, objects no table part references (and older than the grace period). */
  orphans: string[];
  deleted: number;
  dryRun: boolean;
}

/**
 * Objects on the cold disk that no part references. An insert that fails half-way while S3 is failing
 * may leave objects it wrote and could not remove (measured: 21 after a series of outages); nothing
 * ever reads them, but they cost storage. This lists the disk's whole prefix, so it is a fleet
 * maintenance job (`permafrost gc`), never part of a workspace's operation. Objects younger than the
 * grace period are left alone: an insert in flight has written them but not committed its part yet.
 */
export async function collectOrphanObjects(ch: ClickHouse, s3: S3Location, options: { graceMs: number; dryRun: boolean }): Promise<OrphanReport> {
  const prefix = [s3.prefix, 'disk'].filter(Boolean).join('/') + '/';
  const listed = await ch.rows<{ key: string; age: string }>(
    `SELECT substring(_path, length({bucket:String}) + 2) AS key, toString(dateDiff('millisecond', _time, now64(3))) AS age
     FROM s3({url:String}, {s3key:String}, {s3secret:String}, 'One')`,
    { url: `${bucketUrl(s3)}/${prefix}**`, bucket: s3.bucket, s3key: s3.accessKeyId, s3secret: s3.secretAccessKey },
    { s3_throw_on_zero_files_match: 0 } as Record<string, number>);
  const referenced = new Set((await ch.rows<{ key: string }>(
    `SELECT DISTINCT remote_path AS key FROM system.remote_data_paths WHERE startsWith(remote_path, {prefix:String})`, { prefix })).map((r) => r.key));
  const orphans = listed.filter((o) => !referenced.has(o.key) && Number(o.age) >= options.graceMs).map((o) => o.key).sort();
  if (!options.dryRun) await deleteObjects(ch, s3, orphans);
  return { listed: listed.length, orphans, deleted: options.dryRun ? 0 : orphans.length, dryRun: options.dryRun };
}
