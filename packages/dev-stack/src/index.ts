export { startStack, type Stack, type StackOptions, type ServerMode } from './stack';
export { openEmbeddedClickHouse, type EmbeddedClickHouse } from './clickhouse';
export { startServices, type RunningServices, type ServicesSpec } from './services';
export { readStackEnv, stackEnvSchema, StackConfigError, type StackEnv } from './settings';
export { s3Url, diskEndpoint, type S3Location } from './s3-location';
export { ensureDatabase } from './postgres-admin';
export { freePort } from './ports';
export { repoRoot, storageConfigPath, defaultDataRoot } from './paths';
export { startDaemon, readDaemon, stopDaemon, type DaemonState } from './daemon';
