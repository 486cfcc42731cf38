/**
 * How a row is identified and fingerprinted across hot and cold storage.
 *
 * Only the five stored columns leave the hot table (every other column of user_events_v2 is a DEFAULT
 * computed from message_raw), so these five define an event. A row's KEY makes "this exact row" testable
 * with IN / NOT IN between any two tables or files: deletes remove exactly the hot rows whose twin the
 * verified cold copy holds, and copies skip rows already on the other side, which is what makes every
 * step safe to repeat after a crash. The FINGERPRINT is summed per partition; equal counts and sums on
 * both sides is the verification that must pass before anything is deleted or freed.
 */
export const STORED_COLUMNS = 'message_id, workspace_id, server_time, message_raw, processing_time';
export const ROW_KEY = '(processing_time, message_id, cityHash64(message_raw, server_time))';
export const ROW_FINGERPRINT = 'cityHash64(message_id, workspace_id, server_time, message_raw, processing_time)';

/** count() and the fingerprint sum of a set of rows, compared as strings (UInt64 sums wrap identically on both sides). */
export interface RowDigest {
  rows: number;
  checksum: string;
}

export const DIGEST_SELECT = `count() AS rows, toString(sum(${ROW_FINGERPRINT})) AS checksum`;

export function digestOf(row: { rows: string | number; checksum: string }): RowDigest {
  return { rows: Number(row.rows), checksum: row.checksum };
}

export function sameDigest(a: RowDigest, b: RowDigest): boolean {
  return a.rows === b.rows && a.checksum === b.checksum;
}

/** Months are partitions: YYYYMM in the engine's time zone, the same function the cold table partitions by. */
export const MONTH_OF = 'toYYYYMM(processing_time)';

/** The rows of `a` that are not in `b`, when b ⊆ a: counts subtract, UInt64 sums subtract modulo 2^64. */
export function digestMinus(a: RowDigest, b: RowDigest): RowDigest {
  const modulus = 1n << 64n;
  return { rows: a.rows - b.rows, checksum: (((BigInt(a.checksum) - BigInt(b.checksum)) % modulus + modulus) % modulus).toString() };
}
