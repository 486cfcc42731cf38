import type { ClickHouseMigration } from '../clickhouse/migrations';

/**
 * The hot event tables. `user_events_v2` stores five columns; every other column is a DEFAULT computed
 * from `message_raw` at insert. So inserting the five stored columns back reproduces the whole row
 * exactly, which is what makes archive and restore lossless (cold storage keeps only these five).
 */
export const USER_EVENTS_TABLE = 'user_events_v2';
export const INTERNAL_EVENTS_TABLE = 'internal_events';
export const STORED_EVENT_COLUMNS = ['message_id', 'workspace_id', 'server_time', 'message_raw', 'processing_time'] as const;
/** Every column of internal_events (all stored: the table has no DEFAULT expressions). */
export const INTERNAL_EVENT_COLUMNS = [
  'workspace_id', 'user_or_anonymous_id', 'user_id', 'anonymous_id', 'message_id', 'event', 'event_time', 'processing_time',
  'properties', 'template_id', 'broadcast_id', 'journey_id', 'triggering_message_id', 'channel_type', 'delivery_to',
  'delivery_from', 'origin_message_id',
] as const;
/** Track events whose name starts with this are the platform's own (message sent, delivered, …). */
export const INTERNAL_EVENT_PREFIX = 'DF';

/**
 * Every row keeps the number of the insert block that wrote it (`_block_number`), through merges and
 * mutations. A plain MergeTree numbers blocks in commit order, so "rows of this workspace with
 * `_block_number` <= B" is a fixed set: exactly the rows committed before B was read. Cold storage
 * archives and deletes that set and nothing else, which makes its work idempotent by identity, not by
 * content: a re-delivered twin that lands during an archive has a larger number and stays.
 * Measured: the column survives OPTIMIZE FINAL and lightweight deletes; rows of parts written before the
 * setting was turned on read as their part's first block number (still ≤ any later bound).
 */
export const ROW_IDENTITY_SETTING = 'enable_block_number_column = 1';

const EVENT_TYPE_ENUM = `Enum('identify' = 1, 'track' = 2, 'page' = 3, 'screen' = 4, 'group' = 5, 'alias' = 6)`;

const createUserEvents = `
  CREATE TABLE IF NOT EXISTS ${USER_EVENTS_TABLE} (
    event_type ${EVENT_TYPE_ENUM} DEFAULT JSONExtract(message_raw, 'type', '${EVENT_TYPE_ENUM.replace(/'/g, "\\'")}'),
    event String DEFAULT JSONExtract(message_raw, 'event', 'String'),
    event_time DateTime64(3) DEFAULT assumeNotNull(parseDateTime64BestEffortOrNull(JSONExtractString(message_raw, 'timestamp'), 3)),
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
    INDEX message_id_idx message_id TYPE minmax GRANULARITY 4
  )
  ENGINE = MergeTree()
  ORDER BY (workspace_id, processing_time, user_or_anonymous_id, event_time, message_id)
  SETTINGS ${ROW_IDENTITY_SETTING}`;

const createInternalEvents = `
  CREATE TABLE IF NOT EXISTS ${INTERNAL_EVENTS_TABLE} (
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
    INDEX idx_template_id template_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_broadcast_id broadcast_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_journey_id journey_id TYPE bloom_filter(0.01) GRANULARITY 4
  )
  ENGINE = MergeTree()
  ORDER BY (workspace_id, processing_time, event, user_or_anonymous_id, message_id)
  SETTINGS ${ROW_IDENTITY_SETTING}`;

// Fills internal_events on every INSERT into user_events_v2. Cold storage restores by moving verified
// partitions back (ALTER … MOVE PARTITION), which fires no view: internal_events is archived and
// restored as a table of its own, and every other view over user_events_v2 keeps counting each event once.
const createInternalEventsView = `
  CREATE MATERIALIZED VIEW IF NOT EXISTS internal_events_mv TO ${INTERNAL_EVENTS_TABLE} AS
  SELECT
    workspace_id, user_or_anonymous_id, user_id, anonymous_id, message_id, event, event_time, processing_time, properties,
    JSONExtractString(properties, 'templateId') AS template_id,
    JSONExtractString(properties, 'broadcastId') AS broadcast_id,
    JSONExtractString(properties, 'journeyId') AS journey_id,
    JSONExtractString(properties, 'triggeringMessageId') AS triggering_message_id,
    JSONExtractString(properties, 'variant', 'type') AS channel_type,
    JSONExtractString(properties, 'variant', 'to') AS delivery_to,
    JSONExtractString(properties, 'variant', 'from') AS delivery_from,
    JSONExtractString(properties, 'messageId') AS origin_message_id
  FROM ${USER_EVENTS_TABLE}
  WHERE event_type = 'track' AND startsWith(event, '${INTERNAL_EVENT_PREFIX}')`;

export const userEventsMigrations: ClickHouseMigration[] = [
  { id: '0001_user_events_v2', statements: [createUserEvents] },
  { id: '0002_internal_events', statements: [createInternalEvents, createInternalEventsView] },
  // Tables created before row identity existed (or by the platform itself) get the setting in place.
  {
    id: '0003_row_identity',
    statements: [
      `ALTER TABLE ${USER_EVENTS_TABLE} MODIFY SETTING ${ROW_IDENTITY_SETTING}`,
      `ALTER TABLE ${INTERNAL_EVENTS_TABLE} MODIFY SETTING ${ROW_IDENTITY_SETTING}`,
    ],
  },
];
