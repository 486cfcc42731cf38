import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataRoot, readStackEnv } from '@permafrost/backend-lib/servers';

/** The embedded instance commands use unless --instance names another. */
export const DEFAULT_INSTANCE = 'cli';

export function instanceDir(instance: string): string {
  return join(readStackEnv().PERMAFROST_DATA_DIR ?? defaultDataRoot, instance);
}

/** Whether the instance holds embedded data (a wipe would lose something). */
export function instanceHasData(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}
