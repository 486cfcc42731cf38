import { storageConfigPath } from './paths';

/** Pinned like docker-compose.yaml; bump both together. */
export const IMAGES = {
  postgres: 'postgres:17.6-alpine',
  clickhouse: 'clickhouse/clickhouse-server:25.8.9.20',
  minio: 'minio/minio:RELEASE.2025-09-07T16-13-09Z',
} as const;

export interface StartedContainers {
  /** Variables that point startStack() at the containers. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts Postgres, MinIO and ClickHouse (with clickhouse-config/ mounted) through testcontainers.
 * Only called where dockerEngineAnswers() said yes; testcontainers is loaded lazily so machines
 * without an engine never touch it.
 */
export async function startContainers(bucket = 'permafrost-cold'): Promise<StartedContainers> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const network = await new Network().start();
  const minio = await new GenericContainer(IMAGES.minio)
    .withNetwork(network)
    .withNetworkAliases('minio')
    .withEnvironment({ MINIO_ROOT_USER: 'permafrost', MINIO_ROOT_PASSWORD: 'permafrost-secret' })
    .withEntrypoint(['sh', '-c'])
    .withCommand([`mkdir -p /data/${bucket} && minio server /data`])
    .withExposedPorts(9000)
    .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000))
    .start();
  const postgres = await new GenericContainer(IMAGES.postgres)
    .withEnvironment({ POSTGRES_USER: 'permafrost', POSTGRES_PASSWORD: 'permafrost', POSTGRES_DB: 'permafrost' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const clickhouse = await new GenericContainer(IMAGES.clickhouse)
    .withNetwork(network)
    .withEnvironment({
      PERMAFROST_S3_DISK_ENDPOINT: `http://minio:9000/${bucket}/permafrost/disk/`,
      PERMAFROST_S3_ACCESS_KEY_ID: 'permafrost',
      PERMAFROST_S3_SECRET_ACCESS_KEY: 'permafrost-secret',
      CLICKHOUSE_USER: 'permafrost',
      CLICKHOUSE_PASSWORD: 'permafrost',
    })
    .withCopyFilesToContainer([{ source: storageConfigPath, target: '/etc/clickhouse-server/config.d/storage.xml' }])
    .withCopyFilesToContainer([{ source: storageConfigPath.replace(/config\.d\/storage\.xml$/, 'users.d/s3-retries.xml'), target: '/etc/clickhouse-server/users.d/s3-retries.xml' }])
    .withExposedPorts(8123)
    .withWaitStrategy(Wait.forHttp('/ping', 8123))
    .start();
  return {
    env: {
      PERMAFROST_CLICKHOUSE_URL: `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`,
      PERMAFROST_CLICKHOUSE_USER: 'permafrost',
      PERMAFROST_CLICKHOUSE_PASSWORD: 'permafrost',
      DATABASE_URL: `postgres://permafrost:permafrost@${postgres.getHost()}:${postgres.getMappedPort(5432)}/permafrost`,
      // ClickHouse, not Node, talks to S3: the endpoint is the one the server reaches on the network.
      PERMAFROST_S3_ENDPOINT: 'http://minio:9000',
      PERMAFROST_S3_BUCKET: bucket,
      PERMAFROST_S3_ACCESS_KEY_ID: 'permafrost',
      PERMAFROST_S3_SECRET_ACCESS_KEY: 'permafrost-secret',
    },
    stop: async () => {
      await Promise.allSettled([clickhouse.stop(), postgres.stop(), minio.stop()]);
      await network.stop();
    },
  };
}
