/**
 * `@permafrost/backend-lib/servers`: reading the server settings from the environment and connecting to
 * the servers they name, with the checks that make a bad setting fail fast. Light on purpose (zod, pg,
 * the ClickHouse HTTP client): the CLI and the embedded stack both use it, and a process talking to
 * real servers loads nothing else.
 */
export { readStackEnv, stackEnvSchema, StackConfigError, type StackEnv } from './settings';
export { s3Url, diskEndpoint, type S3Location } from './s3-location';
export { connectExternalClickHouse, clickHouseClient, assertColdStoragePolicy, assertS3Writable, assertPostgresReachable } from './preflight';
export { ensureDatabase } from './postgres-admin';
export { connectServers, configuredServers, type Servers, type ServerMode, type ConnectOptions } from './connect';
export { readStackState, writeStackState, stackStatePath, isAlive, STACK_STATE_FILE, type StackState } from './stack-state';
export { defaultDataRoot } from './data-root';
export { redactUrl } from './redact';
