import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which handlers of a transition completed, so a retry runs only the others (non-idempotent plugins fire once). */
export class TransitionCompletedHooks1764000300000 implements MigrationInterface {
  name = 'TransitionCompletedHooks1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "workspace_transition" ADD COLUMN "completed_hooks" jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "workspace_transition" DROP COLUMN "completed_hooks"`);
  }
}
