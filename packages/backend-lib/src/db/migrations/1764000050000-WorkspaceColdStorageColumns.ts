import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Workspace entity's cold-storage columns, created by the entity's owner. Idempotent: databases
 * where the cold-storage plugin's first migration already added them (before the entity declared
 * them) keep theirs.
 */
export class WorkspaceColdStorageColumns1764000050000 implements MigrationInterface {
  name = 'WorkspaceColdStorageColumns1764000050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DO $$ BEGIN
      CREATE TYPE "cold_storage_state" AS ENUM ('none', 'archiving', 'archived', 'restoring', 'failed');
    EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await q.query(`ALTER TABLE "workspace"
      ADD COLUMN IF NOT EXISTS "cold_storage_state" "cold_storage_state" NOT NULL DEFAULT 'none',
      ADD COLUMN IF NOT EXISTS "cold_storage_strategy" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "workspace" DROP COLUMN IF EXISTS "cold_storage_strategy", DROP COLUMN IF EXISTS "cold_storage_state"`);
    await q.query(`DROP TYPE IF EXISTS "cold_storage_state"`);
  }
}
