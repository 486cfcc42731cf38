import { resolve } from 'node:path';

/** src/ and dist/ sit at the same depth, so these hold for the sources under jest and the build alike. */
export const repoRoot = resolve(__dirname, '../../..');
export const storageConfigPath = resolve(repoRoot, 'clickhouse-config/config.d/storage.xml');
export const servicesProcessPath = resolve(__dirname, '../bin/services-process.mjs');
export { defaultDataRoot } from '@permafrost/backend-lib/servers';
