import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaProfileOf } from '../../../schema-profile/registry';
import { ownTable, quoteIdent } from '../../../schema-profile/sql';

/**
 * Inspection1764000400000 on a Dittofeed database: a transition's error code and failure history on
 * Permafrost's own transition table. Dittofeed's `"Workspace"` gets no index of ours (its schema is
 * Dittofeed's to change), so `status --all` filters walk Dittofeed's own indexes there.
 */
export class DittofeedInspection1764000400001 implements MigrationInterface {
  name = 'DittofeedInspection1764000400001';

  async up(q: QueryRunner): Promise<void> {
    const table = ownTable(schemaProfileOf(q.connection), 'workspace_transition');
    await q.query(`ALTER TABLE ${table}
      ADD COLUMN IF NOT EXISTS "error_code" text,
      ADD COLUMN IF NOT EXISTS "failures" jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent('workspace_transition_failed_idx')} ON ${table} ("workspace_id") WHERE "state" = 'failed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const profile = schemaProfileOf(q.connection);
    await q.query(`DROP INDEX IF EXISTS ${quoteIdent(profile.postgres.ownSchema ?? 'permafrost')}.${quoteIdent('workspace_transition_failed_idx')}`);
    await q.query(`ALTER TABLE ${ownTable(profile, 'workspace_transition')} DROP COLUMN IF EXISTS "failures", DROP COLUMN IF EXISTS "error_code"`);
  }
}
