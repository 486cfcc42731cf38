import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaProfileOf, workspaceReference } from '@permafrost/backend-lib';

/**
 * Cold storage bookkeeping: each archive or restore is an operation row (and, since the journal
 * migration, each step a row of cold_storage_step), so a retry after any crash resumes where the last run
 * stopped. Where a workspace's events are is the Workspace entity's `cold_storage_state` column.
 */
export class ColdStorageState1764000100000 implements MigrationInterface {
  name = 'ColdStorageState1764000100000';

  async up(q: QueryRunner): Promise<void> {
    // The workspace's cold_storage_state / cold_storage_strategy columns belong to the Workspace entity
    // (backend-lib migration WorkspaceColdStorageColumns1764000050000); this plugin keeps only its own tables.
    // The workspace table is the data layer's profile's (Permafrost's `"workspace"`, Dittofeed's `"Workspace"`).
    const ws = workspaceReference(schemaProfileOf(q.connection));
    await q.query(`
      CREATE TABLE "cold_storage_operation" (
        "id" uuid PRIMARY KEY,
        "seq" bigserial NOT NULL,
        "workspace_id" uuid NOT NULL REFERENCES ${ws.table} (${ws.id}) ON DELETE CASCADE,
        "kind" text NOT NULL CHECK ("kind" IN ('archive', 'restore')),
        "strategy" text NOT NULL,
        "watermark" text,
        "state" text NOT NULL CHECK ("state" IN ('running', 'completed', 'failed', 'superseded')),
        "attempt" int NOT NULL DEFAULT 1,
        "rows" bigint NOT NULL DEFAULT 0,
        "bytes" bigint NOT NULL DEFAULT 0,
        "error" text,
        "error_code" text,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz
      )`);
    await q.query(`CREATE INDEX "cold_storage_operation_workspace_idx" ON "cold_storage_operation" ("workspace_id", "seq")`);
    await q.query(`
      CREATE TABLE "cold_storage_checkpoint" (
        "operation_id" uuid NOT NULL REFERENCES "cold_storage_operation" ("id") ON DELETE CASCADE,
        "month" int NOT NULL,
        "page" int NOT NULL,
        "state" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("operation_id", "month", "page")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "cold_storage_checkpoint"`);
    await q.query(`DROP TABLE "cold_storage_operation"`);
  }
}
