import { assertIdentifier } from './source';

/**
 * Dittofeed's `"Workspace"` table as its Drizzle migrations leave it (0000 → 0005 at the pinned commit):
 * PascalCase table and enum names, camelCase columns, all quoted. Written by us from
 * packages/backend-lib/drizzle/*.sql and packages/backend-lib/src/db/schema.ts of Dittofeed.
 *
 * Facts the SQL encodes:
 * - `WorkspaceStatus` values are in Dittofeed's order: Active, Tombstoned (0000), Paused (added by 0003).
 * - Name is unique per parent with NULLS NOT DISTINCT (two root workspaces cannot share a name; needs
 *   Postgres 15+), external id is unique per parent with NULLS DISTINCT (two ROOT workspaces CAN share
 *   an external id, because their parent is NULL). No global unique index on either (0002 dropped them).
 * - `parentWorkspaceId` has no foreign key. `updatedAt` is set by Drizzle (`$onUpdate`), not a trigger.
 */
export const DITTOFEED_WORKSPACE_TABLE = 'Workspace';
export const DITTOFEED_WORKSPACE_STATUS_TYPE = 'WorkspaceStatus';
export const DITTOFEED_WORKSPACE_TYPE_TYPE = 'WorkspaceType';
export const DITTOFEED_WORKSPACE_STATUSES = ['Active', 'Tombstoned', 'Paused'] as const;
export const DITTOFEED_WORKSPACE_TYPES = ['Root', 'Child', 'Parent'] as const;
export type DittofeedWorkspaceStatus = (typeof DITTOFEED_WORKSPACE_STATUSES)[number];

/** Column name → Postgres type as `format_type` prints it, in table order. */
export const DITTOFEED_WORKSPACE_COLUMNS = [
  { name: 'id', type: 'uuid', nullable: false, default: 'gen_random_uuid()' },
  { name: 'name', type: 'text', nullable: false, default: null },
  { name: 'createdAt', type: 'timestamp(3) without time zone', nullable: false, default: 'now()' },
  { name: 'updatedAt', type: 'timestamp(3) without time zone', nullable: false, default: 'now()' },
  { name: 'domain', type: 'text', nullable: true, default: null },
  { name: 'type', type: '"WorkspaceType"', nullable: false, default: `'Root'::"WorkspaceType"` },
  { name: 'externalId', type: 'text', nullable: true, default: null },
  { name: 'parentWorkspaceId', type: 'uuid', nullable: true, default: null },
  { name: 'status', type: '"WorkspaceStatus"', nullable: false, default: `'Active'::"WorkspaceStatus"` },
] as const;

export const DITTOFEED_WORKSPACE_CONSTRAINTS = {
  primaryKey: 'Workspace_pkey',
  nameUnique: 'Workspace_parentWorkspaceId_name_key',
  externalIdUnique: 'Workspace_parentWorkspaceId_externalId_key',
} as const;

/** isomorphic-lib/src/constants.ts: `WORKSPACE_TOMBSTONE_PREFIX`; names become `DfTombstoned-<name>`. */
export const DITTOFEED_TOMBSTONE_PREFIX = 'DfTombstoned';

/**
 * One of Dittofeed's many tables keyed by workspace, to show Permafrost leaves them alone: `"UserProperty"`
 * (Dittofeed's schema.ts `userProperty`), with its foreign key to `"Workspace"` cascading on delete and update.
 */
export const DITTOFEED_USER_PROPERTY_TABLE = 'UserProperty';

/**
 * The statements, in order, that create Dittofeed's Workspace table and its two enum types in `schema`
 * (Dittofeed uses `public`), then `"UserProperty"` and its two enum types. Not idempotent on purpose:
 * run them on a fresh database or schema.
 */
export function dittofeedPostgresSchema(options: { schema?: string } = {}): string[] {
  const s = `"${assertIdentifier('schema', options.schema ?? 'public')}"`;
  const statuses = DITTOFEED_WORKSPACE_STATUSES.map((v) => `'${v}'`).join(', ');
  const types = DITTOFEED_WORKSPACE_TYPES.map((v) => `'${v}'`).join(', ');
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TYPE ${s}."WorkspaceStatus" AS ENUM (${statuses})`,
    `CREATE TYPE ${s}."WorkspaceType" AS ENUM (${types})`,
    `CREATE TABLE ${s}."Workspace" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
      "name" text NOT NULL,
      "createdAt" timestamp(3) DEFAULT now() NOT NULL,
      "updatedAt" timestamp(3) DEFAULT now() NOT NULL,
      "domain" text,
      "type" ${s}."WorkspaceType" DEFAULT 'Root' NOT NULL,
      "externalId" text,
      "parentWorkspaceId" uuid,
      "status" ${s}."WorkspaceStatus" DEFAULT 'Active' NOT NULL,
      CONSTRAINT "Workspace_parentWorkspaceId_externalId_key" UNIQUE ("parentWorkspaceId", "externalId"),
      CONSTRAINT "Workspace_parentWorkspaceId_name_key" UNIQUE NULLS NOT DISTINCT ("parentWorkspaceId", "name")
    )`,
    `CREATE TYPE ${s}."DBResourceType" AS ENUM ('Declarative', 'Internal')`,
    `CREATE TYPE ${s}."UserPropertyStatus" AS ENUM ('NotStarted', 'Running', 'Paused')`,
    `CREATE TABLE ${s}."UserProperty" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
      "workspaceId" uuid NOT NULL,
      "name" text NOT NULL,
      "definition" jsonb NOT NULL,
      "createdAt" timestamp(3) DEFAULT now() NOT NULL,
      "updatedAt" timestamp(3) DEFAULT now() NOT NULL,
      "resourceType" ${s}."DBResourceType" DEFAULT 'Declarative' NOT NULL,
      "definitionUpdatedAt" timestamp(3) DEFAULT now() NOT NULL,
      "status" ${s}."UserPropertyStatus" DEFAULT 'Running' NOT NULL,
      "exampleValue" text,
      CONSTRAINT "UserProperty_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES ${s}."Workspace"("id") ON DELETE cascade ON UPDATE cascade
    )`,
    `CREATE UNIQUE INDEX "UserProperty_workspaceId_name_key" ON ${s}."UserProperty" USING btree ("workspaceId" uuid_ops, "name" text_ops)`,
  ];
}

/**
 * What Dittofeed's lifecycle functions (packages/backend-lib/src/workspaces.ts) do to the row, as SQL
 * with `$1` = workspace id. Dittofeed runs them through Drizzle; these are our SQL equivalents, for
 * tests and for a `dittofeed` schema profile to compare against. Each UPDATE also sets "updatedAt",
 * as Drizzle's `$onUpdate` does.
 *
 * - tombstone: only from Active (Paused or Tombstoned: no change, still `ok`). Name and a non-empty
 *   external id get `DfTombstoned-` (no workspace id in the prefix: a second tombstoned "acme" under
 *   the same parent collides on the unique constraint, and Dittofeed does not catch that: it throws).
 * - activate (untombstone): only from Tombstoned; removes the FIRST `DfTombstoned-` anywhere in the
 *   value (JS `String.replace` with a string pattern); a unique violation becomes `WorkspaceConflict`.
 * - pause / resume: unconditional status writes (no from-state check, no name change, no result type;
 *   an unknown id updates nothing and returns normally; resume of a Tombstoned workspace makes it
 *   Active with its `DfTombstoned-` name).
 */
export function dittofeedLifecycleSql(options: { schema?: string } = {}) {
  const t = `"${assertIdentifier('schema', options.schema ?? 'public')}"."Workspace"`;
  const p = DITTOFEED_TOMBSTONE_PREFIX;
  return {
    tombstone: `UPDATE ${t}
      SET "name" = '${p}-' || "name",
          "externalId" = CASE WHEN "externalId" IS NULL OR "externalId" = '' THEN "externalId" ELSE '${p}-' || "externalId" END,
          "status" = 'Tombstoned', "updatedAt" = now()
      WHERE "id" = $1 AND "status" = 'Active'`,
    activateTombstoned: `UPDATE ${t}
      SET "name" = regexp_replace("name", '${p}-', ''),
          "externalId" = regexp_replace("externalId", '${p}-', ''),
          "status" = 'Active', "updatedAt" = now()
      WHERE "id" = $1 AND "status" = 'Tombstoned'`,
    pause: `UPDATE ${t} SET "status" = 'Paused', "updatedAt" = now() WHERE "id" = $1`,
    resume: `UPDATE ${t} SET "status" = 'Active', "updatedAt" = now() WHERE "id" = $1`,
  } as const;
}
