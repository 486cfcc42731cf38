import type { MigrationInterface, QueryRunner } from 'typeorm';
import { COLD_STORAGE_STATES } from '../../schema';
import { schemaProfileOf } from '../../../schema-profile/registry';
import { quoteIdent, workspaceReference } from '../../../schema-profile/sql';

/**
 * The two cold-storage columns on Dittofeed's `"Workspace"`, named in its style (quoted camelCase).
 * `text` with a CHECK rather than a new enum type: the footprint in Dittofeed's schema stays two
 * columns and one constraint, all removed by `down`. Both have defaults (or are nullable), so Drizzle's
 * inserts, which list only the columns Dittofeed knows, keep working; its selects name their columns,
 * so they never see these. Plain ADD COLUMN (no IF NOT EXISTS): a column of that name that we did not
 * create is refused, never adopted.
 */
export class DittofeedWorkspaceColdStorageColumns1764000050001 implements MigrationInterface {
  name = 'DittofeedWorkspaceColdStorageColumns1764000050001';

  async up(q: QueryRunner): Promise<void> {
    const profile = schemaProfileOf(q.connection);
    const { table } = workspaceReference(profile);
    const c = profile.postgres.workspace.columns;
    const states = COLD_STORAGE_STATES.map((s) => `'${s}'`).join(', ');
    await q.query(`ALTER TABLE ${table}
      ADD COLUMN ${quoteIdent(c.coldStorageState)} text NOT NULL DEFAULT 'none',
      ADD COLUMN ${quoteIdent(c.coldStorageStrategy)} text,
      ADD CONSTRAINT ${quoteIdent(`${profile.postgres.workspace.table}_${c.coldStorageState}_check`)} CHECK (${quoteIdent(c.coldStorageState)} IN (${states}))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const profile = schemaProfileOf(q.connection);
    const { table } = workspaceReference(profile);
    const c = profile.postgres.workspace.columns;
    await q.query(`ALTER TABLE ${table}
      DROP CONSTRAINT ${quoteIdent(`${profile.postgres.workspace.table}_${c.coldStorageState}_check`)},
      DROP COLUMN ${quoteIdent(c.coldStorageStrategy)},
      DROP COLUMN ${quoteIdent(c.coldStorageState)}`);
  }
}
