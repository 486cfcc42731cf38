import { PermafrostError } from '@permafrost/core/plugin';

/**
 * `SCHEMA_MISMATCH`: the database does not hold what the schema profile says (a table missing, a stored
 * column the profile does not list). Raised at boot, before anything is read or written: an archive
 * under a wrong profile would lose the columns it does not know.
 */
export class SchemaMismatchError extends PermafrostError {
  readonly code = 'SCHEMA_MISMATCH';
}
