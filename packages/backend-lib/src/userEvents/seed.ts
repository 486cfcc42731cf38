import type { ClickHouse } from '../clickhouse/clickhouse';
import { assertWorkspaceId } from '../ids';
import { USER_EVENTS_TABLE } from './clickhouse';

export interface SeedOptions {
  count: number;
  /** Distinct users (default count / 20). */
  users?: number;
  /** Months of history ending at `end` (default 12). */
  months?: number;
  end?: Date;
  /** Varies ids and payloads between seeds of the same workspace. */
  seed?: number;
  /** First event number: seeding in chunks (offset 0, 100 000, …) gives the same rows as one call. */
  offset?: number;
}

/**
 * Realistic events made inside ClickHouse from numbers(): segment-style identify / track / page JSON of
 * ~350 bytes, every 20th a platform-internal DF… event. `workspace` and `processingTime` are SQL
 * expressions of our own (over `n`, the event number, and `h`, its hash); every value is a parameter.
 */
function eventsInsert(workspace: string, processingTime: string): string {
  return `INSERT INTO ${USER_EVENTS_TABLE} (message_id, workspace_id, server_time, message_raw, processing_time)
     SELECT message_id, ws, processing_time, message_raw, processing_time
     FROM (
       SELECT
         number AS n,
         cityHash64(n, {seed:UInt64}) AS h,
         ${workspace} AS ws,
         concat(substring(ws, 1, 8), '-', toString({seed:UInt64}), '-', toString(n)) AS message_id,
         ${processingTime} AS processing_time,
         concat('user-', toString(bitShiftRight(h, 20) % {users:UInt64})) AS user,
         multiIf(n % 20 = 0, 'internal', h % 10 < 2, 'identify', h % 10 < 4, 'page', 'track') AS kind,
         formatDateTime(processing_time - toIntervalSecond(h % 60), '%Y-%m-%dT%H:%i:%S.000Z', 'UTC') AS ts,
         multiIf(
           kind = 'identify', concat('{"type":"identify","userId":"', user, '","messageId":"', message_id, '","timestamp":"', ts,
             '","traits":{"email":"', user, '@example.com","name":"Ünïcødé ', user, '","plan":"', if(h % 3 = 0, 'pro', 'free'), '"}}'),
           kind = 'page', concat('{"type":"page","anonymousId":"anon-', user, '","messageId":"', message_id, '","timestamp":"', ts,
             '","name":"/pricing","properties":{"path":"/pricing","referrer":"https://example.com/?q=a&b=c","title":"Pricing — Example"}}'),
           kind = 'internal', concat('{"type":"track","event":"DFEmailMessageSent","userId":"', user, '","messageId":"', message_id, '","timestamp":"', ts,
             '","properties":{"templateId":"tpl-', toString(h % 7), '","journeyId":"journey-', toString(h % 3), '","messageId":"msg-', toString(n),
             '","variant":{"type":"Email","to":"', user, '@example.com","from":"hello@example.com"}}}'),
           concat('{"type":"track","event":"', arrayElement(['Signed Up', 'Order Completed', 'Product Viewed', 'Cart Updated', 'Feature Used'], toUInt32(h % 5) + 1),
             '","userId":"', user, '","messageId":"', message_id, '","timestamp":"', ts,
             '","properties":{"value":', toString(round((h % 100000) / 100, 2)), ',"currency":"EUR","note":"日本語 ✓"},"context":{"ip":"203.0.113.7","library":{"name":"analytics-node","version":"6.2.0"}}}')
         ) AS message_raw
       FROM numbers({offset:UInt64}, {count:UInt64})
     )`;
}

const sqlTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/**
 * Generates realistic events inside ClickHouse (INSERT … SELECT FROM numbers()), for demos and
 * benchmarks of millions of events, spread at random over the months before `end`. Same options, same rows.
 */
export async function seedEvents(ch: ClickHouse, workspaceId: string, options: SeedOptions): Promise<{ inserted: number }> {
  assertWorkspaceId(workspaceId);
  const count = Math.floor(options.count);
  if (!(count > 0)) return { inserted: 0 };
  await ch.command(
    eventsInsert('{ws:String}', `toDateTime64({end:String}, 3, 'UTC') - toIntervalMillisecond(h % toUInt64({spanMs:UInt64}))`),
    {
      ws: workspaceId, seed: options.seed ?? 1, end: sqlTime(options.end ?? new Date(Date.UTC(2026, 0, 1))), count, offset: Math.max(0, Math.floor(options.offset ?? 0)),
      users: Math.max(1, options.users ?? Math.floor(count / 20)),
      spanMs: Math.max(1, options.months ?? 12) * 30 * 24 * 3600 * 1000,
    },
  );
  return { inserted: count };
}

export interface FleetSeedOptions {
  /** Events of each workspace: spread evenly over `months`, so each month gets perWorkspace / months of them. */
  perWorkspace: number;
  /** Calendar months before the month of `end` (default 12); every one of them gets events. */
  months?: number;
  end?: Date;
  seed?: number;
  /** Distinct users per workspace (default perWorkspace / 4). */
  users?: number;
}

/**
 * Seeds many small workspaces with one INSERT … SELECT: the rows are those of seedEvents (same payloads,
 * same internal share), but each workspace gets exactly `months` distinct months, `perWorkspace / months`
 * events in each — a fleet whose every workspace-month is a cold partition of its own.
 */
export async function seedFleetEvents(ch: ClickHouse, workspaceIds: readonly string[], options: FleetSeedOptions): Promise<{ inserted: number }> {
  workspaceIds.forEach((id) => assertWorkspaceId(id));
  const perWorkspace = Math.floor(options.perWorkspace);
  if (workspaceIds.length === 0 || !(perWorkspace > 0)) return { inserted: 0 };
  const count = perWorkspace * workspaceIds.length;
  await ch.command(
    eventsInsert(
      'arrayElement({workspaces:Array(String)}, intDiv(n, {perWorkspace:UInt64}) + 1)',
      // Event k of a workspace lands in month (k mod months) before `end`, 1 h to 20 days into it from its end.
      `toDateTime64({end:String}, 3, 'UTC') - toIntervalMonth((n % {perWorkspace:UInt64}) % {months:UInt64}) - toIntervalMillisecond(3600000 + h % 1728000000)`,
    ),
    {
      workspaces: workspaceIds, perWorkspace, months: Math.max(1, options.months ?? 12), seed: options.seed ?? 1, count, offset: 0,
      end: sqlTime(options.end ?? new Date(Date.UTC(2026, 0, 1))), users: Math.max(1, options.users ?? Math.floor(perWorkspace / 4)),
    },
  );
  return { inserted: count };
}
