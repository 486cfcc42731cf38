export { startStack, type Stack, type StackOptions, type ServerMode } from './stack';
export { openEmbeddedClickHouse, type EmbeddedClickHouse } from './clickhouse';
export { startServices, type RunningServices, type ServicesSpec } from './services';
// Settings and server connections live in @permafrost/backend-lib/servers (light: a process that talks to
// real servers never loads this package); re-exported here for the users of the embedded stack.
export { readStackEnv, stackEnvSchema, StackConfigError, type StackEnv } from '@permafrost/backend-lib/servers';
export { s3Url, diskEndpoint, type S3Location } from '@permafrost/backend-lib/servers';
export { ensureDatabase } from '@permafrost/backend-lib/servers';
export { freePort } from './ports';
export { repoRoot, storageConfigPath, defaultDataRoot } from './paths';
export { startDaemon, readDaemon, stopDaemon, daemonStatePath, DAEMON_DATABASE, type DaemonState } from './daemon';
export { startEngineServer, type EngineServerOptions, type RunningEngineServer } from './engine-server/server';
export { spawnEngineServer, engineServerMainPath, type EngineServerProcess } from './engine-server/launch';
export type { EngineServerSpec, EngineServerReadyLine } from './engine-server/main';
