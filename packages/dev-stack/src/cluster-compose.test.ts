import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths';

// No Docker engine here: this keeps the cluster profile valid and consistent with its config files.
// Compose resolves YAML merge keys (<<: *clickhouse); so must the parser.
const compose = parse(readFileSync(resolve(repoRoot, 'docker-compose.cluster.yaml'), 'utf8'), { merge: true });
type Service = { image: string; profiles?: string[]; ports?: string[]; volumes?: string[]; environment?: Record<string, string> };
const services = Object.entries<Service>(compose.services);

describe('docker-compose.cluster.yaml (the `cluster` profile)', () => {
  it('runs two ClickHouse replicas, a Keeper, Postgres and MinIO, all under the cluster profile, images pinned', () => {
    expect(services.map(([name]) => name).sort()).toEqual(['clickhouse-1', 'clickhouse-2', 'keeper', 'minio', 'minio-bucket', 'postgres']);
    for (const [name, service] of services) {
      expect([name, service.profiles]).toEqual([name, ['cluster']]);
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:(?!latest$)[\w.${}:-]+$/)]);
    }
  });

  it('publishes no host port another compose file uses (ClickHouse native 9000, 8123, 5432)', () => {
    const hostPorts = services.flatMap(([, s]) => s.ports ?? []).map((p) => Number(p.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    for (const port of hostPorts) expect([9000, 9001, 8123, 5432]).not.toContain(port);
  });

  it('gives each replica the shared storage and cluster config and its own macros, all files present', () => {
    for (const n of [1, 2]) {
      const volumes = compose.services[`clickhouse-${n}`].volumes as string[];
      expect(volumes).toContain(`./clickhouse-config/cluster/macros-${n}.xml:/etc/clickhouse-server/config.d/macros.xml:ro`);
      expect(volumes).toContain('./clickhouse-config/cluster/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro');
      expect(volumes).toContain('./clickhouse-config/config.d/storage.xml:/etc/clickhouse-server/config.d/storage.xml:ro');
      for (const v of volumes) expect(existsSync(resolve(repoRoot, v.split(':')[0]!))).toBe(true);
      expect(readFileSync(resolve(repoRoot, `clickhouse-config/cluster/macros-${n}.xml`), 'utf8')).toContain(`<replica>clickhouse-${n}</replica>`);
    }
    const cluster = readFileSync(resolve(repoRoot, 'clickhouse-config/cluster/cluster.xml'), 'utf8');
    expect(cluster).toContain('<permafrost>');
    expect(cluster).toMatch(/<host>keeper<\/host><port>9181<\/port>/);
  });
});
