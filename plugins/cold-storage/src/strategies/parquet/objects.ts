import type { ClickHouse } from '@permafrost/backend-lib';
import type { EventTable } from '../../rows';
import { bucketUrl } from '../../s3-object-keys';
import { deleteObjects } from '../../s3-delete';
import type { S3Location } from '../../s3-location';

/** Reads of a glob that matches nothing (a month without internal events) are empty, not an error. */
export const ZERO_FILES_OK = { s3_throw_on_zero_files_match: 0 } as Record<string, number>;

/**
 * Object layout: <prefix>/parquet/<workspace>/<YYYYMM>/<operation>.parquet for user_events_v2 and
 * <prefix>/parquet/<workspace>/<YYYYMM>/internal/<operation>.parquet for internal_events. One file per
 * archive operation, table and month: a later archive adds a file beside the earlier ones instead of
 * rewriting them, and a retry of the same operation overwrites only its own file. A glob's `*` stops at
 * `/`, so the events glob never reads internal files.
 */
export class ParquetObjects {
  constructor(private readonly s3: S3Location) {}

  /** The files of one operation, one per month, as an `INSERT INTO FUNCTION s3(…) PARTITION BY month` names them. */
  partitionedFile(table: EventTable, workspaceId: string, operationId: string): string {
    return `${this.root(workspaceId)}/{_partition_id}/${this.sub(table)}${operationId}.parquet`;
  }

  /** Exactly these months' files of one operation (a brace list of whole names: no listing of other files). */
  filesOf(table: EventTable, workspaceId: string, months: readonly number[], operationId: string): string {
    const list = months.length === 1 ? String(months[0]) : `{${months.join(',')}}`;
    return `${this.root(workspaceId)}/${list}/${this.sub(table)}${operationId}.parquet`;
  }

  monthGlob(table: EventTable, workspaceId: string, month: number): string {
    return `${this.root(workspaceId)}/${month}/${this.sub(table)}*.parquet`;
  }

  workspaceGlob(table: EventTable, workspaceId: string): string {
    return `${this.root(workspaceId)}/*/${this.sub(table)}*.parquet`;
  }

  /** `s3(…)` with every value bound; `urlParam` names the query parameter that holds the URL. */
  tableFunction(table: EventTable, urlParam: string): string {
    return `s3({${urlParam}:String}, {s3key:String}, {s3secret:String}, 'Parquet', '${table.structure}')`;
  }

  credentials(): { s3key: string; s3secret: string } {
    return { s3key: this.s3.accessKeyId, s3secret: this.s3.secretAccessKey };
  }

  /** Keys (relative to the bucket) of the files under a glob. */
  async list(ch: ClickHouse, glob: string): Promise<string[]> {
    const rows = await ch.rows<{ path: string }>(
      `SELECT DISTINCT _path AS path FROM s3({url:String}, {s3key:String}, {s3secret:String}, 'One')`,
      { url: glob, ...this.credentials() }, ZERO_FILES_OK);
    return rows.map((r) => r.path.slice(this.s3.bucket.length + 1)).sort();
  }

  async delete(ch: ClickHouse, keys: readonly string[]): Promise<void> {
    await deleteObjects(ch, this.s3, keys);
  }

  private sub(table: EventTable): string {
    return table.kind === 'events' ? '' : 'internal/';
  }

  private root(workspaceId: string): string {
    return `${bucketUrl(this.s3)}/${[this.s3.prefix, 'parquet', workspaceId].filter(Boolean).join('/')}`;
  }
}
