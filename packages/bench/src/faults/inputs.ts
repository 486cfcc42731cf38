import { randomUUID } from 'node:crypto';

/**
 * At least 100 hostile inputs for every entry that takes a workspace id: malformed ids, injection strings
 * for SQL and ClickHouse, unicode, huge strings, wrong types, and valid-looking but unknown UUIDs.
 */
export function hostileIds(): unknown[] {
  const fixed: unknown[] = [
    '', ' ', 'not-a-uuid', '123', '00000000-0000-0000-0000-00000000000', '00000000-0000-0000-0000-0000000000000',
    '00000000-0000-0000-0000-00000000000g', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '{00000000-0000-0000-0000-000000000000}',
    "'; DROP TABLE workspace; --", "' OR '1'='1", '" OR ""="', '1; DELETE FROM workspace', "x') OR 1=1 --",
    "'; DROP TABLE user_events_v2; --", '{ws:String}', "{ws:String}' OR 1=1 --", '`user_events_v2`', '$1', '%s%s%s',
    'SELECT 1', 'ALTER TABLE user_events_cold_storage DROP PARTITION ID \'x\'', '\\', '\\\\x', "\\'", '\u0000', 'a\u0000b',
    '\n', '\r\n', '\t', 'ünïcødé', '日本語', '🧊❄️', 'ℵ', '\u202e', '\ufeff00000000-0000-0000-0000-000000000000',
    'x'.repeat(10_000), '0'.repeat(36), '-'.repeat(36), '../../etc/passwd', 'null', 'undefined', 'NaN', '[]', '{}',
    null, undefined, 0, -1, 1.5, NaN, Infinity, true, false, [], ['00000000-0000-0000-0000-000000000000'], {}, { id: 'x' },
    Symbol.for('ws').toString(), `${randomUUID()} `, ` ${randomUUID()}`, `${randomUUID()}\n`, randomUUID().replace(/-/g, ''),
    randomUUID().toUpperCase().replace('A', 'Ä'),
  ];
  // Unknown but well-formed ids, in both cases.
  const unknown = Array.from({ length: 20 }, (_, i) => (i % 2 ? randomUUID().toUpperCase() : randomUUID()));
  // Random printable garbage.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const garbage = Array.from({ length: 30 }, () => Array.from({ length: 1 + Math.floor(random() * 60) }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join(''));
  return [...fixed, ...unknown, ...garbage];
}
