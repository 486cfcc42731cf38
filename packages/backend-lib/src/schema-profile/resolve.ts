import { InvalidInputError } from '@permafrost/core/plugin';
import { dittofeedProfile } from './dittofeed';
import { PERMAFROST_PROFILE } from './permafrost';
import type { SchemaProfile, SchemaProfileName } from './types';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const CLICKHOUSE_TYPE = /^[A-Za-z0-9_(), ]+$/;

/**
 * The profile a data layer runs with: a built-in one by name (default `permafrost`) or a profile object.
 * Every name it holds is checked here, once, before any of them enters SQL text; a bad one is refused
 * with INVALID_INPUT naming the field.
 */
export function resolveSchemaProfile(schema: SchemaProfileName | SchemaProfile = 'permafrost'): SchemaProfile {
  const profile = schema === 'permafrost' ? PERMAFROST_PROFILE : schema === 'dittofeed' ? dittofeedProfile() : schema;
  if (typeof profile !== 'object' || profile === null || typeof profile.postgres !== 'object') {
    throw new InvalidInputError(`Unknown schema profile ${JSON.stringify(schema)}: use 'permafrost', 'dittofeed' or a SchemaProfile object.`);
  }
  assertProfile(profile);
  return profile;
}

function assertProfile(p: SchemaProfile): void {
  const ident = (field: string, value: unknown) => {
    if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
      throw new InvalidInputError(`Schema profile ${p.name}: ${field} must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(value)}.`);
    }
  };
  const ws = p.postgres.workspace;
  if (ws.schema !== undefined) ident('postgres.workspace.schema', ws.schema);
  ident('postgres.workspace.table', ws.table);
  for (const [key, value] of Object.entries(ws.columns)) if (value !== undefined) ident(`postgres.workspace.columns.${key}`, value);
  if (ws.uniqueness === 'per-parent' && !ws.columns.parentId) {
    throw new InvalidInputError(`Schema profile ${p.name}: per-parent uniqueness needs postgres.workspace.columns.parentId.`);
  }
  if (p.postgres.ownSchema !== undefined) ident('postgres.ownSchema', p.postgres.ownSchema);
  ident('postgres.jobsSchema', p.postgres.jobsSchema);
  const ch = p.clickhouse;
  for (const [key, spec] of [['userEvents', ch.userEvents], ['internalEvents', ch.internalEvents]] as const) {
    ident(`clickhouse.${key}.table`, spec.table);
    for (const column of spec.columns) {
      ident(`clickhouse.${key}.columns[].name`, column.name);
      if (!CLICKHOUSE_TYPE.test(column.type)) throw new InvalidInputError(`Schema profile ${p.name}: clickhouse.${key}.columns ${column.name} has an invalid type ${JSON.stringify(column.type)}.`);
    }
  }
  for (const kind of ['events', 'internal'] as const) {
    for (const role of ['cold', 'staging'] as const) {
      const name = ch.coldTables[kind][role];
      ident(`clickhouse.coldTables.${kind}.${role}`, name);
      if (ch.reservedTables.includes(name)) {
        throw new InvalidInputError(`Schema profile ${p.name}: clickhouse.coldTables.${kind}.${role} is ${name}, a table the platform owns; give Permafrost's table another name.`);
      }
    }
  }
}
