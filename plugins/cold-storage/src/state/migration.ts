import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cold storage state. The workspace row says where its events are (`cold_storage_state`) and which
 * strategy holds them; each archive or restore is an operation row, and every finished partition or page
 * a checkpoint, so a retry after any crash resumes where the last run stopped.
 */
export class ColdStorageState1764000100000 implements MigrationInterface {
  name = 'ColdStorageState1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE "cold_storage_state" AS ENUM ('none', 'archiving', 'archived', 'restoring', 'failed')`);
    await q.query(`ALTER TABLE "workspace"
      ADD COLUMN "cold_storage_state" "cold_storage_state" NOT NULL DEFAULT 'none',
      ADD COLUMN "cold_storage_strategy" text`);
    await q.query(`
      CREATE TABLE "cold_storage_operation" (
        "id" uuid PRIMARY KEY,
        "seq" bigserial NOT NULL,
        "workspace_id" uuid NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE,
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
    await q.query(`ALTER TABLE "workspace" DROP COLUMN "cold_storage_strategy", DROP COLUMN "cold_storage_state"`);
    await q.query(`DROP TYPE "cold_storage_state"`);
  }
}
