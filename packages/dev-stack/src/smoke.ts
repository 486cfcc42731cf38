import type { Stack } from './stack';

export interface SmokeResult {
  ok: boolean;
  rowsInCold: number;
  objectsWritten: number;
  roundTripIdentical: boolean;
  durationMs: number;
}

/**
 * Proves the three servers work together: a table on the `cold_storage` policy, one event written into
 * it lands as objects in the S3 bucket, reads back byte-identical, and is dropped again.
 */
export async function runSmoke(stack: Stack): Promise<SmokeResult> {
  const started = Date.now();
  const ch = stack.clickhouse;
  const table = `permafrost_smoke_${process.pid}`;
  const event = JSON.stringify({ type: 'track', event: 'Smoke Tested', userId: 'smoke-user', messageId: `smoke-${started}` });
  await ch.command({ query: `DROP TABLE IF EXISTS ${table} SYNC` });
  await ch.command({
    query: `CREATE TABLE ${table} (message_id String, message_raw String) ENGINE = MergeTree ORDER BY message_id SETTINGS storage_policy = 'cold_storage'`,
  });
  try {
    await ch.command({
      query: `INSERT INTO ${table} (message_id, message_raw) SELECT {id:String}, {raw:String}`,
      query_params: { id: `smoke-${started}`, raw: event },
    });
    // A part's objects are the remote blobs of the files in its directory (disk path + local path).
    const objects = await ch.query({
      query: `SELECT count() AS n FROM system.remote_data_paths AS r
              WHERE concat(r.path, substring(r.local_path, 1, length(r.local_path) - position(reverse(r.local_path), '/') + 1))
                    IN (SELECT path FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active AND disk_name = 's3_cold')`,
      query_params: { table },
      format: 'JSONEachRow',
    });
    const objectsWritten = Number((await objects.json<{ n: string }>())[0]?.n ?? 0);
    const back = await (await ch.query({ query: `SELECT message_raw FROM ${table}`, format: 'JSONEachRow' })).json<{ message_raw: string }>();
    const roundTripIdentical = back.length === 1 && back[0]!.message_raw === event;
    return { ok: roundTripIdentical && objectsWritten > 0, rowsInCold: back.length, objectsWritten, roundTripIdentical, durationMs: Date.now() - started };
  } finally {
    await ch.command({ query: `DROP TABLE IF EXISTS ${table} SYNC` });
  }
}
