import { randomBytes } from 'node:crypto';
import type { ClickHouse } from '@permafrost/backend-lib';
import { bucketUrl } from './s3-object-keys';
import type { S3Location } from './s3-location';

/**
 * Deletes objects through ClickHouse (Node never talks to S3): TRUNCATE of an S3-engine table over one
 * exact key deletes that object. The helper table holds the key only for the statement's duration.
 */
export async function deleteObjects(ch: ClickHouse, s3: S3Location, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    const table = `permafrost_s3_delete_${randomBytes(8).toString('hex')}`;
    await ch.command(`CREATE TABLE ${table} (message_id String) ENGINE = S3({url:String}, {s3key:String}, {s3secret:String}, 'Parquet')`,
      { url: `${bucketUrl(s3)}/${key}`, s3key: s3.accessKeyId, s3secret: s3.secretAccessKey });
    try {
      await ch.command(`TRUNCATE TABLE ${table}`);
    } finally {
      await ch.command(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
