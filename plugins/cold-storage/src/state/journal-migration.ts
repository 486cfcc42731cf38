import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operation journal: an operation row records, when it begins, exactly what it owns (the hot
 * snapshot bounds of an archive, the months of either kind), so a retry redoes the same work however
 * the data moved meanwhile; each step's state is a row keyed by what the step is (`events:202603`,
 * `restore:internal:202603`), not by a position that could shift.
 */
export class ColdStorageJournal1764000200000 implements MigrationInterface {
  name = 'ColdStorageJournal1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "cold_storage_operation" ADD COLUMN "snapshot" jsonb, ADD COLUMN "months" integer[]`);
    await q.query(`
      CREATE TABLE "cold_storage_step" (
        "operation_id" uuid NOT NULL REFERENCES "cold_storage_operation" ("id") ON DELETE CASCADE,
        "key" text NOT NULL,
        "state" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("operation_id", "key")
      )`);
    await q.query(`DROP TABLE "cold_storage_checkpoint"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "cold_storage_checkpoint" (
        "operation_id" uuid NOT NULL REFERENCES "cold_storage_operation" ("id") ON DELETE CASCADE,
        "month" int NOT NULL,
        "page" int NOT NULL,
        "state" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("operation_id", "month", "page")
      )`);
    await q.query(`DROP TABLE "cold_storage_step"`);
    await q.query(`ALTER TABLE "cold_storage_operation" DROP COLUMN "months", DROP COLUMN "snapshot"`);
  }
}
