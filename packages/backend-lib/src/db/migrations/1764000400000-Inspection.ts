import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What inspection reads (history, describe, status --all):
 *  - a transition's error code and its failure history (a retry clears `error`, not these);
 *  - keyset pages of workspaces filtered by status and/or cold-storage state walk an index in id order,
 *    so a page costs the same with 100 workspaces or 1,000,000 (no scan of the rows a filter skips);
 *  - failed transitions are few: a partial index lets "which workspaces have a failure" start from them.
 */
export class Inspection1764000400000 implements MigrationInterface {
  name = 'Inspection1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "workspace_transition"
      ADD COLUMN IF NOT EXISTS "error_code" text,
      ADD COLUMN IF NOT EXISTS "failures" jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`CREATE INDEX IF NOT EXISTS "workspace_status_id_idx" ON "workspace" ("status", "id")`);
    await q.query(`CREATE INDEX IF NOT EXISTS "workspace_cold_state_id_idx" ON "workspace" ("cold_storage_state", "id")`);
    await q.query(`CREATE INDEX IF NOT EXISTS "workspace_status_cold_state_id_idx" ON "workspace" ("status", "cold_storage_state", "id")`);
    await q.query(`CREATE INDEX IF NOT EXISTS "workspace_transition_failed_idx" ON "workspace_transition" ("workspace_id") WHERE "state" = 'failed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS "workspace_transition_failed_idx"`);
    await q.query(`DROP INDEX IF EXISTS "workspace_status_cold_state_id_idx"`);
    await q.query(`DROP INDEX IF EXISTS "workspace_cold_state_id_idx"`);
    await q.query(`DROP INDEX IF EXISTS "workspace_status_id_idx"`);
    await q.query(`ALTER TABLE "workspace_transition" DROP COLUMN IF EXISTS "failures", DROP COLUMN IF EXISTS "error_code"`);
  }
}
