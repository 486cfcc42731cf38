import type { SchemaProfile } from './types';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A profile's names enter SQL text as quoted identifiers; anything but a plain identifier is refused. */
export function quoteIdent(name: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** `"schema"."name"`, or `"name"` (resolved through the search path) without a schema. */
export function qualified(schema: string | undefined, name: string): string {
  return schema === undefined ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** The workspace table and its id column as SQL, e.g. for a foreign key of a plugin's table. */
export function workspaceReference(profile: SchemaProfile): { table: string; id: string } {
  const ws = profile.postgres.workspace;
  return { table: qualified(ws.schema, ws.table), id: quoteIdent(ws.columns.id) };
}

/** A Permafrost table of this profile: in its own schema when the profile has one. */
export function ownTable(profile: SchemaProfile, name: string): string {
  return qualified(profile.postgres.ownSchema, name);
}
