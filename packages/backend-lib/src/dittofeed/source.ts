/**
 * Where the Dittofeed fixtures come from. Everything in this folder is written by us from reading
 * Dittofeed's code at this commit (github.com/dittofeed/dittofeed); see docs/dittofeed-schema.md.
 */
export const DITTOFEED_SOURCE = {
  repository: 'https://github.com/dittofeed/dittofeed',
  commit: '52b2bee909744d07dd5d409fd3974d4b95c66766',
  commitDate: '2026-03-27',
  /** Latest Drizzle migration at that commit (packages/backend-lib/drizzle/meta/_journal.json). */
  lastPostgresMigration: '0010_subscription_management_template',
  /** docker-compose.yaml, docker-compose.lite.yaml, docker-compose.ee.yaml, render/clickhouse/Dockerfile, CI. */
  clickhouseImage: 'clickhouse/clickhouse-server:24.12.6.70-alpine',
  /** docker-compose*.yaml and CI (`postgres:15`); the lite compose file lets POSTGRES_VERSION override it. */
  postgresImage: 'postgres:15',
  /** Dittofeed's ClickHouse database when CLICKHOUSE_DATABASE is unset (packages/backend-lib/src/config.ts). */
  clickhouseDatabase: 'dittofeed',
} as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Database and schema names are spliced into DDL, so they must be plain identifiers. */
export function assertIdentifier(kind: string, value: string): string {
  if (!IDENTIFIER.test(value)) throw new Error(`${kind} must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(value)}`);
  return value;
}
