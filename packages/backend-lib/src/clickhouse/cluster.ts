import { PermafrostError } from '@permafrost/core';

/**
 * Running on a ClickHouse cluster: every table Permafrost creates is created ON CLUSTER with the
 * Replicated twin of its engine, each with its own Keeper path, so every replica holds it and inserts,
 * lightweight DELETEs, DROP/REPLACE/MOVE PARTITION replicate through the table's log. Runtime
 * statements need no change: replicated tables replicate those themselves (adding ON CLUSTER to them
 * would run them once per replica).
 *
 * The cold tables stay on the `cold_storage` policy: every replica then writes its own copy of a cold
 * part to S3 (the default; ClickHouse's zero-copy replication shares one copy but is not recommended
 * for production by its authors), or one copy on ClickHouse Cloud's SharedMergeTree.
 *
 * DDL takes no bound parameter, so the cluster name and the Keeper prefix are checked here before they
 * enter SQL text.
 */
export interface ClusterOptions {
  /** The cluster's name in the servers' `remote_servers` config. */
  name: string;
  /** Keeper path of each table, `{shard}`/`{replica}` macros expanded by the servers. */
  zooKeeperPathPrefix?: string;
}

export const DEFAULT_ZOOKEEPER_PATH_PREFIX = '/clickhouse/tables/{shard}/{database}';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEEPER_PATH = /^\/[A-Za-z0-9_{}./-]*$/;

export class ClusterConfigError extends PermafrostError {
  readonly code = 'CLICKHOUSE_CLUSTER_CONFIG';
}

export function checkCluster(cluster: ClusterOptions): Required<ClusterOptions> {
  if (!IDENTIFIER.test(cluster.name)) {
    throw new ClusterConfigError(`ClickHouse cluster name ${JSON.stringify(cluster.name)} is not a plain identifier (letters, digits, _): use the name of remote_servers in the servers' config.`);
  }
  const prefix = cluster.zooKeeperPathPrefix ?? DEFAULT_ZOOKEEPER_PATH_PREFIX;
  if (!KEEPER_PATH.test(prefix) || prefix.includes('..')) {
    throw new ClusterConfigError(`Keeper path prefix ${JSON.stringify(prefix)} must be an absolute path of letters, digits, _ . - / and {macros}.`);
  }
  return { name: cluster.name, zooKeeperPathPrefix: prefix.replace(/\/+$/, '') };
}

const CREATE_TABLE = /^(\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s)/i;
const CREATE_VIEW = /^(\s*CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s)/i;
const ALTER_TABLE = /^(\s*ALTER\s+TABLE\s+)([A-Za-z_][A-Za-z0-9_]*)(\s)/i;
const DROP_TABLE = /^(\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s|$)/i;
/** Engines of the MergeTree family with their arguments (none of ours take any). */
const ENGINE = /ENGINE\s*=\s*(MergeTree|ReplacingMergeTree|SummingMergeTree|AggregatingMergeTree)(\s*\(\s*\))?/i;

/**
 * The statement as it must run on the cluster: schema DDL (CREATE TABLE / MATERIALIZED VIEW, ALTER,
 * DROP TABLE) gets ON CLUSTER, and MergeTree-family engines become their Replicated twin on
 * `<prefix>/<table>` with the `{replica}` macro. Anything else is returned unchanged.
 */
export function forCluster(statement: string, options: ClusterOptions): string {
  const cluster = checkCluster(options);
  const onCluster = `ON CLUSTER ${cluster.name}`;
  const table = statement.match(CREATE_TABLE);
  if (table) {
    const name = table[2]!;
    return statement
      .replace(CREATE_TABLE, `$1$2 ${onCluster}$3`)
      .replace(ENGINE, (_m, engine: string) => `ENGINE = Replicated${engine}('${cluster.zooKeeperPathPrefix}/${name}', '{replica}')`);
  }
  for (const pattern of [CREATE_VIEW, ALTER_TABLE, DROP_TABLE]) {
    if (pattern.test(statement)) return statement.replace(pattern, `$1$2 ${onCluster}$3`);
  }
  return statement;
}

/** A private copy of `like`'s structure (restore staging): Replicated on its own Keeper path on a cluster. */
export function createTableLike(name: string, like: string, options?: ClusterOptions): string {
  if (!options) return `CREATE TABLE IF NOT EXISTS ${name} AS ${like}`;
  const cluster = checkCluster(options);
  return `CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ${cluster.name} AS ${like} ENGINE = ReplicatedMergeTree('${cluster.zooKeeperPathPrefix}/${name}', '{replica}')`;
}
