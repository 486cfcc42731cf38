import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWorkspace1764000000000 implements MigrationInterface {
  name = 'CreateWorkspace1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE "workspace_status" AS ENUM ('Active', 'Paused', 'Tombstoned')`);
    await q.query(`
      CREATE TABLE "workspace" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "external_id" text,
        "status" "workspace_status" NOT NULL DEFAULT 'Active',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workspace_name_key" UNIQUE ("name")
      )`);
    // Unique only when set: most workspaces have no external id.
    await q.query(`CREATE UNIQUE INDEX "workspace_external_id_key" ON "workspace" ("external_id") WHERE "external_id" IS NOT NULL`);
    await q.query(`
      CREATE TABLE "workspace_transition" (
        "id" uuid PRIMARY KEY,
        "seq" bigserial NOT NULL,
        "workspace_id" uuid NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE,
        "transition" text NOT NULL,
        "from_status" text NOT NULL,
        "to_status" text NOT NULL,
        "state" text NOT NULL,
        "phase" text NOT NULL,
        "attempt" int NOT NULL,
        "failed_hooks" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "error" text,
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz
      )`);
    await q.query(`CREATE INDEX "workspace_transition_workspace_idx" ON "workspace_transition" ("workspace_id", "seq")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "workspace_transition"`);
    await q.query(`DROP TABLE "workspace"`);
    await q.query(`DROP TYPE "workspace_status"`);
  }
}
