import { resolve } from 'node:path';

/**
 * Where embedded data lives unless PERMAFROST_DATA_DIR says otherwise: `.permafrost-data/` at the repo
 * root (git-ignored). src/servers and dist/servers sit at the same depth, so this holds for both.
 */
export const defaultDataRoot = resolve(__dirname, '../../../..', '.permafrost-data');
