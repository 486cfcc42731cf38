import type { DataSource } from 'typeorm';
import { PERMAFROST_PROFILE } from './permafrost';
import type { SchemaProfile } from './types';

/**
 * The profile each DataSource was made for. TypeORM instantiates migration classes itself (no
 * arguments), so a migration that must name the profile's tables asks for it through its connection.
 */
const profiles = new WeakMap<DataSource, SchemaProfile>();

export function bindSchemaProfile(dataSource: DataSource, profile: SchemaProfile): void {
  profiles.set(dataSource, profile);
}

/** The profile `dataSource` was created with; Permafrost's own for a DataSource made elsewhere. */
export function schemaProfileOf(dataSource: DataSource): SchemaProfile {
  return profiles.get(dataSource) ?? PERMAFROST_PROFILE;
}
