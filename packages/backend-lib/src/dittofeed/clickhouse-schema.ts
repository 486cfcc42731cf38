import type { ClickHouseClient } from '@clickhouse/client';
import { assertIdentifier, DITTOFEED_SOURCE } from './source';

/**
 * Dittofeed-shaped ClickHouse DDL, written by us from Dittofeed's
 * packages/backend-lib/src/userEvents/clickhouse.ts (`createUserEventsTables`) and
 * packages/admin-cli/src/upgrades.ts at the pinned commit (see ./source.ts and docs/dittofeed-schema.md).
 *
 * Dittofeed creates these unqualified in its own database (`dittofeed` by default). Here every name is
 * qualified with `database`, so the whole set lives beside Permafrost's own tables (which are in the
 * client's default database) without touching them: `CREATE DATABASE IF NOT EXISTS <database>` first.
 *
 * Left out: the Kafka ingest pair (`user_events_queue_v2` Kafka engine + `user_events_mv_v2`, only in
 * Dittofeed's kafka write mode; it writes INTO user_events_v2) and, unless `coldStorage` is set,
 * Dittofeed's own `user_events_cold_storage` (only with ENABLE_COLD_STORAGE; needs a `cold_storage`
 * storage policy).
 */

export type DdlKind = 'table' | 'materialized_view';
export interface DdlStatement {
  name: string;
  kind: DdlKind;
  /** `dittofeed`: Dittofeed has this object. `fixture`: ours, modelling a Dittofeed behaviour (see `note`). */
  origin: 'dittofeed' | 'fixture';
  /** For a materialized view: the table whose inserts fire it, and the table it writes to. */
  from?: string;
  to?: string;
  note?: string;
  sql: string;
}

export interface DittofeedClickHouseSchemaOptions {
  /** Database to create everything in; default `dittofeed` (Dittofeed's own default). */
  database?: string;
  /**
   * Add the fixture view `permafrost_fixture_computed_property_state_mv` (default true): a
   * materialized view from user_events_v2 into Dittofeed's real `computed_property_state_v3`, shaped
   * exactly like the state rows Dittofeed's compute-properties job writes. It stands in for any
   * per-user aggregation a platform runs on insert: firing it twice for one event counts it twice.
   */
  fixtureViews?: boolean;
  /** Also create Dittofeed's `user_events_cold_storage` (needs the `cold_storage` storage policy). */
  coldStorage?: boolean;
  /**
   * Append `SETTINGS allow_dimensions_outside_sorting_key = 1` to `computed_property_state_v3`.
   * Dittofeed's DDL has `computed_at` outside the sorting key of that AggregatingMergeTree; ClickHouse
   * 26.x (chDB 26.7) rejects that by default, while Dittofeed's pinned 24.12 has no such check and no
   * such setting (an unknown setting would fail there). `createDittofeedClickHouseSchema` detects it.
   */
  allowDimensionsOutsideSortingKey?: boolean;
}

export interface DittofeedClickHouseSchema {
  database: string;
  createDatabase: string;
  dropDatabase: string;
  /** Tables first, then views (a view's target and the tables its query reads must exist first). */
  objects: DdlStatement[];
  /** `createDatabase` followed by every object's SQL, in order. */
  statements: string[];
  /** Qualified name of an object of this schema, e.g. `q('user_events_v2')` → `dittofeed.user_events_v2`. */
  q(name: string): string;
}

/** user_events_v2 columns in Dittofeed's order; only the five in DITTOFEED_STORED_COLUMNS are written. */
export const DITTOFEED_USER_EVENTS_COLUMNS = [
  'event_type', 'event', 'event_time', 'message_id', 'user_id', 'anonymous_id', 'user_or_anonymous_id', 'properties',
  'hidden', 'processing_time', 'server_time', 'message_raw', 'workspace_id',
] as const;
/** What Dittofeed's insertUserEvents writes (packages/backend-lib/src/userEvents.ts); the rest are DEFAULTs. */
export const DITTOFEED_STORED_COLUMNS = ['message_raw', 'processing_time', 'workspace_id', 'message_id', 'server_time'] as const;
/** internal_events columns in Dittofeed's order: Permafrost's seventeen plus `hidden`. */
export const DITTOFEED_INTERNAL_EVENTS_COLUMNS = [
  'workspace_id', 'user_or_anonymous_id', 'user_id', 'anonymous_id', 'message_id', 'event', 'event_time', 'processing_time',
  'properties', 'template_id', 'broadcast_id', 'journey_id', 'triggering_message_id', 'channel_type', 'delivery_to',
  'delivery_from', 'origin_message_id', 'hidden',
] as const;
/** Internal track events that Dittofeed's group views read (isomorphic-lib/src/types.ts `InternalEventType`). */
export const DITTOFEED_GROUP_EVENTS = {
  groupUserAssignment: 'DFGroupUserAssignment',
  userGroupAssignment: 'DFUserGroupAssignment',
} as const;
export const FIXTURE_COMPUTED_PROPERTY_ID = 'permafrost-fixture-events-per-user';
export const FIXTURE_STATE_ID = 'all-events';

const EVENT_TYPE_ENUM = `Enum('identify' = 1, 'track' = 2, 'page' = 3, 'screen' = 4, 'group' = 5, 'alias' = 6)`;
const CP_TYPE_ENUM = `Enum('user_property' = 1, 'segment' = 2)`;

export function dittofeedClickHouseSchema(options: DittofeedClickHouseSchemaOptions = {}): DittofeedClickHouseSchema {
  const database = assertIdentifier('database', options.database ?? DITTOFEED_SOURCE.clickhouseDatabase);
  const q = (name: string) => `${database}.${name}`;
  const table = (name: string, sql: string, note?: string): DdlStatement => ({ name, kind: 'table', origin: 'dittofeed', sql, ...(note ? { note } : {}) });
  const view = (name: string, from: string, to: string, select: string, origin: 'dittofeed' | 'fixture' = 'dittofeed', note?: string): DdlStatement => ({
    name, kind: 'materialized_view', origin, from, to, ...(note ? { note } : {}),
    sql: `CREATE MATERIALIZED VIEW IF NOT EXISTS ${q(name)} TO ${q(to)} AS ${select}`,
  });

  const tables: DdlStatement[] = [
    table('user_events_v2', `
      CREATE TABLE IF NOT EXISTS ${q('user_events_v2')} (
        event_type ${EVENT_TYPE_ENUM} DEFAULT JSONExtract(message_raw, 'type', '${EVENT_TYPE_ENUM.replace(/'/g, "\\'")}'),
        event String DEFAULT JSONExtract(message_raw, 'event', 'String'),
        event_time DateTime64 DEFAULT assumeNotNull(parseDateTime64BestEffortOrNull(JSONExtractString(message_raw, 'timestamp'), 3)),
        message_id String,
        user_id String DEFAULT JSONExtract(message_raw, 'userId', 'String'),
        anonymous_id String DEFAULT JSONExtract(message_raw, 'anonymousId', 'String'),
        user_or_anonymous_id String DEFAULT assumeNotNull(coalesce(
          JSONExtract(message_raw, 'userId', 'Nullable(String)'),
          JSONExtract(message_raw, 'anonymousId', 'Nullable(String)'))),
        properties String DEFAULT assumeNotNull(coalesce(
          JSONExtract(message_raw, 'traits', 'Nullable(String)'),
          JSONExtract(message_raw, 'properties', 'Nullable(String)'))),
        hidden Boolean DEFAULT JSONExtractBool(message_raw, 'context', 'hidden'),
        processing_time DateTime64(3) DEFAULT now64(3),
        server_time DateTime64(3),
        message_raw String,
        workspace_id String,
        INDEX message_id_idx message_id TYPE bloom_filter(0.01) GRANULARITY 4
      )
      ENGINE = MergeTree()
      ORDER BY (workspace_id, processing_time, user_or_anonymous_id, event_time, message_id)`),
    table('internal_events', `
      CREATE TABLE IF NOT EXISTS ${q('internal_events')} (
        workspace_id String,
        user_or_anonymous_id String,
        user_id String,
        anonymous_id String,
        message_id String,
        event String,
        event_time DateTime64(3),
        processing_time DateTime64(3),
        properties String,
        template_id String,
        broadcast_id String,
        journey_id String,
        triggering_message_id String,
        channel_type String,
        delivery_to String,
        delivery_from String,
        origin_message_id String,
        hidden Boolean,
        INDEX idx_template_id template_id TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_broadcast_id broadcast_id TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_journey_id journey_id TYPE bloom_filter(0.01) GRANULARITY 4
      )
      ENGINE = MergeTree()
      ORDER BY (workspace_id, processing_time, event, user_or_anonymous_id, message_id)`),
    table('computed_property_state_v3', `
      CREATE TABLE IF NOT EXISTS ${q('computed_property_state_v3')} (
        workspace_id LowCardinality(String),
        type ${CP_TYPE_ENUM},
        computed_property_id LowCardinality(String),
        state_id LowCardinality(String),
        user_id String,
        last_value AggregateFunction(argMax, String, DateTime64(3)),
        unique_count AggregateFunction(uniq, String),
        event_time DateTime64(3),
        grouped_message_ids AggregateFunction(groupArray, String),
        computed_at DateTime64(3)
      )
      ENGINE = AggregatingMergeTree()
      PARTITION BY (workspace_id, toYear(event_time))
      ORDER BY (workspace_id, type, computed_property_id, state_id, user_id, event_time)${
        options.allowDimensionsOutsideSortingKey ? '\n      SETTINGS allow_dimensions_outside_sorting_key = 1' : ''}`,
      'Written by the periodic compute-properties job (INSERT … SELECT … FROM user_events_v2 per workspace and processing_time window), not by a view.'),
    table('computed_property_assignments_v2', `
      CREATE TABLE IF NOT EXISTS ${q('computed_property_assignments_v2')} (
        workspace_id LowCardinality(String),
        type ${CP_TYPE_ENUM},
        computed_property_id LowCardinality(String),
        user_id String,
        segment_value Boolean,
        user_property_value String,
        max_event_time DateTime64(3),
        assigned_at DateTime64(3) DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree()
      ORDER BY (workspace_id, type, computed_property_id, user_id)`),
    table('processed_computed_properties_v2', `
      CREATE TABLE IF NOT EXISTS ${q('processed_computed_properties_v2')} (
        workspace_id LowCardinality(String),
        user_id String,
        type ${CP_TYPE_ENUM},
        computed_property_id LowCardinality(String),
        processed_for LowCardinality(String),
        processed_for_type LowCardinality(String),
        segment_value Boolean,
        user_property_value String,
        max_event_time DateTime64(3),
        processed_at DateTime64(3) DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree()
      ORDER BY (workspace_id, computed_property_id, processed_for_type, processed_for, user_id)`),
    table('updated_computed_property_state', `
      CREATE TABLE IF NOT EXISTS ${q('updated_computed_property_state')} (
        workspace_id LowCardinality(String),
        type ${CP_TYPE_ENUM},
        computed_property_id LowCardinality(String),
        state_id LowCardinality(String),
        user_id String,
        computed_at DateTime64(3)
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMMDD(computed_at)
      ORDER BY computed_at
      TTL toStartOfDay(computed_at) + INTERVAL 24 HOUR`),
    table('updated_property_assignments_v2', `
      CREATE TABLE IF NOT EXISTS ${q('updated_property_assignments_v2')} (
        workspace_id LowCardinality(String),
        type ${CP_TYPE_ENUM},
        computed_property_id LowCardinality(String),
        user_id String,
        assigned_at DateTime64(3)
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMMDD(assigned_at)
      ORDER BY assigned_at
      TTL toStartOfDay(assigned_at) + INTERVAL 24 HOUR`),
    table('computed_property_state_index', `
      CREATE TABLE IF NOT EXISTS ${q('computed_property_state_index')} (
        workspace_id LowCardinality(String),
        type ${CP_TYPE_ENUM},
        computed_property_id LowCardinality(String),
        state_id LowCardinality(String),
        user_id String,
        indexed_value Int64,
        INDEX primary_idx indexed_value TYPE minmax GRANULARITY 4
      )
      ENGINE = ReplacingMergeTree()
      ORDER BY (workspace_id, type, computed_property_id, state_id, user_id)`),
    table('resolved_segment_state', `
      CREATE TABLE IF NOT EXISTS ${q('resolved_segment_state')} (
        workspace_id LowCardinality(String),
        segment_id LowCardinality(String),
        state_id LowCardinality(String),
        user_id String,
        segment_state_value Boolean,
        max_event_time DateTime64(3),
        INDEX segment_state_value_idx segment_state_value TYPE minmax GRANULARITY 4,
        computed_at DateTime64(3),
        INDEX computed_at_idx computed_at TYPE minmax GRANULARITY 4
      )
      ENGINE = ReplacingMergeTree()
      ORDER BY (workspace_id, segment_id, state_id, user_id)`),
    table('group_user_assignments', `
      CREATE TABLE IF NOT EXISTS ${q('group_user_assignments')} (
        workspace_id LowCardinality(String),
        group_id String,
        user_id String,
        assigned Boolean,
        assigned_at DateTime64(3) DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree()
      ORDER BY (workspace_id, group_id, user_id)`),
    table('user_group_assignments', `
      CREATE TABLE IF NOT EXISTS ${q('user_group_assignments')} (
        workspace_id LowCardinality(String),
        group_id LowCardinality(String),
        user_id LowCardinality(String),
        assigned Boolean,
        assigned_at DateTime64(3) DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree()
      ORDER BY (workspace_id, user_id, group_id)`),
    table('user_property_index_config', `
      CREATE TABLE IF NOT EXISTS ${q('user_property_index_config')} (
        workspace_id String,
        user_property_id String,
        type Enum('String' = 1, 'Number' = 2, 'Date' = 3)
      )
      ENGINE = ReplacingMergeTree()
      ORDER BY (workspace_id, user_property_id)`),
    ...(['num', 'str', 'date'] as const).map((kind) => {
      const valueType = { num: 'Float64', str: 'String', date: 'DateTime64(3)' }[kind];
      return table(`user_property_idx_${kind}`, `
        CREATE TABLE IF NOT EXISTS ${q(`user_property_idx_${kind}`)} (
          workspace_id LowCardinality(String),
          computed_property_id LowCardinality(String),
          user_id String,
          value_${kind} ${valueType},
          assigned_at DateTime64(3)
        )
        ENGINE = ReplacingMergeTree(assigned_at)
        PARTITION BY (workspace_id, toYear(assigned_at))
        ORDER BY (workspace_id, computed_property_id, value_${kind}, user_id)`);
    }),
  ];
  if (options.coldStorage) {
    tables.push(table('user_events_cold_storage', `
      CREATE TABLE IF NOT EXISTS ${q('user_events_cold_storage')} (
        message_raw String,
        processing_time DateTime64(3),
        workspace_id String,
        message_id String,
        server_time DateTime64(3)
      )
      ENGINE = MergeTree()
      PARTITION BY (workspace_id, toYYYYMM(processing_time))
      ORDER BY (workspace_id, processing_time, message_id)
      SETTINGS storage_policy = 'cold_storage'`,
      'Dittofeed creates it only with ENABLE_COLD_STORAGE; its pause/tombstone INSERT … SELECTs into it and its resume INSERTs back (which fires every view on user_events_v2 again).'));
  }

  const views: DdlStatement[] = [
    // Fired by inserts into user_events_v2.
    view('internal_events_mv', 'user_events_v2', 'internal_events', `
      SELECT
        workspace_id, user_or_anonymous_id, user_id, anonymous_id, message_id, event, event_time, processing_time, properties,
        JSONExtractString(properties, 'templateId') AS template_id,
        JSONExtractString(properties, 'broadcastId') AS broadcast_id,
        JSONExtractString(properties, 'journeyId') AS journey_id,
        JSONExtractString(properties, 'triggeringMessageId') AS triggering_message_id,
        JSONExtractString(properties, 'variant', 'type') AS channel_type,
        JSONExtractString(properties, 'variant', 'to') AS delivery_to,
        JSONExtractString(properties, 'variant', 'from') AS delivery_from,
        JSONExtractString(properties, 'messageId') AS origin_message_id,
        hidden
      FROM ${q('user_events_v2')}
      WHERE event_type = 'track' AND startsWith(event, 'DF')`),
    view('group_user_assignments_mv', 'user_events_v2', 'group_user_assignments', `
      SELECT
        workspace_id,
        uev.user_id AS group_id,
        JSONExtractString(uev.properties, 'userId') AS user_id,
        JSONExtractBool(uev.properties, 'assigned') AS assigned
      FROM ${q('user_events_v2')} AS uev
      WHERE uev.event_type = 'track' AND uev.event = '${DITTOFEED_GROUP_EVENTS.groupUserAssignment}'`),
    view('user_group_assignments_mv', 'user_events_v2', 'user_group_assignments', `
      SELECT
        workspace_id,
        JSONExtractString(uev.properties, 'groupId') AS group_id,
        uev.user_or_anonymous_id AS user_id,
        JSONExtractBool(uev.properties, 'assigned') AS assigned
      FROM ${q('user_events_v2')} AS uev
      WHERE uev.event_type = 'track' AND uev.event = '${DITTOFEED_GROUP_EVENTS.userGroupAssignment}'`),
    // Fired by inserts into the computed-property tables (downstream of user_events_v2 via the compute job).
    view('updated_computed_property_state_v3_mv', 'computed_property_state_v3', 'updated_computed_property_state', `
      SELECT workspace_id, type, computed_property_id, state_id, user_id, computed_at
      FROM ${q('computed_property_state_v3')}
      GROUP BY workspace_id, type, computed_property_id, state_id, user_id, computed_at`),
    view('updated_property_assignments_v2_mv', 'computed_property_assignments_v2', 'updated_property_assignments_v2', `
      SELECT workspace_id, type, computed_property_id, user_id, assigned_at
      FROM ${q('computed_property_assignments_v2')}
      GROUP BY workspace_id, type, computed_property_id, user_id, assigned_at`),
    ...([
      ['num', 'Number', `JSONExtractFloat(ue.user_property_value) AS value_num`, `isNotNull(value_num)`],
      ['str', 'String', `trim(BOTH '"' FROM ue.user_property_value) AS value_str`, `length(value_str) > 0`],
      ['date', 'Date', `parseDateTime64BestEffortOrNull(trim(BOTH '"' FROM ue.user_property_value), 3) AS value_date`, `isNotNull(value_date)`],
    ] as const).map(([kind, indexType, valueExpr, valueFilter]) =>
      view(`user_property_idx_${kind}_mv`, 'computed_property_assignments_v2', `user_property_idx_${kind}`, `
        SELECT ue.workspace_id, ue.computed_property_id, ue.user_id, ${valueExpr}, ue.assigned_at
        FROM ${q('computed_property_assignments_v2')} AS ue
        WHERE ue.type = 'user_property'
          AND computed_property_id IN (SELECT user_property_id FROM ${q('user_property_index_config')} WHERE type = '${indexType}')
          AND ${valueFilter}`)),
  ];
  if (options.fixtureViews ?? true) {
    views.push(view('permafrost_fixture_computed_property_state_mv', 'user_events_v2', 'computed_property_state_v3', `
      SELECT
        ue.workspace_id AS workspace_id,
        'user_property' AS type,
        '${FIXTURE_COMPUTED_PROPERTY_ID}' AS computed_property_id,
        '${FIXTURE_STATE_ID}' AS state_id,
        ue.user_or_anonymous_id AS user_id,
        argMaxState(ue.event, toDateTime64(ue.event_time, 3)) AS last_value,
        uniqState(ue.message_id) AS unique_count,
        toDateTime64('1970-01-01 00:00:00', 3, 'UTC') AS event_time,
        groupArrayState(ue.message_id) AS grouped_message_ids,
        now64(3) AS computed_at
      FROM ${q('user_events_v2')} AS ue
      GROUP BY ue.workspace_id, ue.user_or_anonymous_id`,
      'fixture',
      'Not in Dittofeed: it computes this state in a periodic INSERT … SELECT, not a view. Same target table and row shape, fired per insert.'));
  }

  const objects = [...tables, ...views];
  return {
    database,
    createDatabase: `CREATE DATABASE IF NOT EXISTS ${database}`,
    dropDatabase: `DROP DATABASE IF EXISTS ${database} SYNC`,
    objects,
    statements: [`CREATE DATABASE IF NOT EXISTS ${database}`, ...objects.map((o) => o.sql)],
    q,
  };
}

/**
 * Creates the schema on `client`: asks the server whether it knows `allow_dimensions_outside_sorting_key`
 * (unless the option is given) and runs every statement. Returns the schema it created.
 */
export async function createDittofeedClickHouseSchema(
  client: ClickHouseClient,
  options: DittofeedClickHouseSchemaOptions = {},
): Promise<DittofeedClickHouseSchema> {
  let allow = options.allowDimensionsOutsideSortingKey;
  if (allow === undefined) {
    const result = await client.query({
      query: `SELECT count() AS n FROM system.merge_tree_settings WHERE name = 'allow_dimensions_outside_sorting_key'`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ n: string | number }>();
    allow = Number(row?.n ?? 0) > 0;
  }
  const schema = dittofeedClickHouseSchema({ ...options, allowDimensionsOutsideSortingKey: allow });
  for (const query of schema.statements) await client.command({ query });
  return schema;
}

/** Every Dittofeed view that an INSERT into `table` fires directly (what a re-insert of events re-runs). */
export function viewsFiredBy(schema: DittofeedClickHouseSchema, table: string): DdlStatement[] {
  return schema.objects.filter((o) => o.kind === 'materialized_view' && o.from === table);
}
