import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from '@permafrost/dev-stack';
import { COLD_INTERNAL_TABLE, COLD_TABLE } from '@permafrost/plugin-cold-storage';
import type { ClickHouse } from '@permafrost/backend-lib';

export interface StorageFootprint {
  objects: number;
  bytes: number;
  /** How it was counted: the embedded S3's own files, or the engine's part metadata. */
  source: 's3rver-directory' | 'system.parts';
}

/**
 * What a strategy keeps in S3 under its key prefix (`disk` for the table strategy's S3 disk, `parquet`
 * for Parquet files). The embedded S3 (s3rver) stores each object as a file `<key>._S3rver_object`
 * under a directory per key segment: counting those files is exact and, unlike an S3 listing through
 * the engine, does not fail past ~12k objects (an s3rver limit). Another S3 is not walked: the table
 * strategy's objects are then counted from part metadata (each file of a part on an S3 disk is an
 * object); for Parquet, undefined.
 */
export async function storageFootprint(stack: Stack, ch: ClickHouse, sub: 'disk' | 'parquet'): Promise<StorageFootprint | undefined> {
  if (stack.modes.s3 === 'embedded') {
    const root = join(stack.dataDir, 'services', 's3', stack.s3.bucket, ...stack.s3.prefix.split('/').filter(Boolean), sub);
    return { ...walkObjects(root), source: 's3rver-directory' };
  }
  if (sub === 'parquet') return undefined;
  const row = await ch.one<{ objects: string; bytes: string }>(
    `SELECT sum(files) AS objects, sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = currentDatabase() AND table IN {tables:Array(String)} AND active`,
    { tables: [COLD_TABLE, COLD_INTERNAL_TABLE] });
  return { objects: Number(row.objects), bytes: Number(row.bytes), source: 'system.parts' };
}

function walkObjects(dir: string): { objects: number; bytes: number } {
  let objects = 0;
  let bytes = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue; // nothing under this prefix yet
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.name.endsWith('._S3rver_object')) {
        objects += 1;
        bytes += statSync(path).size;
      }
    }
  }
  return { objects, bytes };
}
