import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaProfileOf } from '../../../schema-profile/registry';
import { ownTable, quoteIdent, workspaceReference } from '../../../schema-profile/sql';

/**
 * Permafrost's transition records on a Dittofeed database: in Permafrost's own schema (never `public`,
 * where Dittofeed's tables are), with a foreign key to Dittofeed's `"Workspace"` that cascades like
 * Dittofeed's own tables do, so deleting a workspace in Dittofeed removes its records.
 */
export class DittofeedTransitions1764000000001 implements MigrationInterface {
  name = 'DittofeedTransitions1764000000001';

  async up(q: QueryRunner): Promise<void> {
    const profile = schemaProfileOf(q.connection);
    const ws = workspaceReference(profile);
    const table = ownTable(profile, 'workspace_transition');
    await q.query(`
      CREATE TABLE ${table} (
        "id" uuid PRIMARY KEY,
        "seq" bigserial NOT NULL,
        "workspace_id" uuid NOT NULL REFERENCES ${ws.table} (${ws.id}) ON DELETE CASCADE ON UPDATE CASCADE,
        "transition" text NOT NULL,
        "from_status" text NOT NULL,
        "to_status" text NOT NULL,
        "state" text NOT NULL,
        "phase" text NOT NULL,
        "attempt" int NOT NULL,
        "completed_hooks" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "failed_hooks" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "error" text,
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz
      )`);
    await q.query(`CREATE INDEX ${quoteIdent('workspace_transition_workspace_idx')} ON ${table} ("workspace_id", "seq")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${ownTable(schemaProfileOf(q.connection), 'workspace_transition')}`);
  }
}
