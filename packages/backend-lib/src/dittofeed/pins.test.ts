import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DITTOFEED_SOURCE } from './source';

// Static (no Docker, no GitHub runner here): the deployment files leave room for Dittofeed beside
// Permafrost, and CI runs the suite on the versions Dittofeed pins.
const ROOT = resolve(__dirname, '../../../..');
const load = (path: string) => parse(readFileSync(resolve(ROOT, path), 'utf8'));

describe('deployment files and Dittofeed\'s pins', () => {
  it('MinIO is published on host port 9100 (console 9101), not 9000, ClickHouse\'s native port in Dittofeed\'s compose file', () => {
    const minio = load('docker-compose.yaml').services.minio;
    expect(minio.ports).toEqual(['9100:9000', '9101:9001']);
    const hostPorts = Object.values<{ ports?: string[] }>(load('docker-compose.yaml').services).flatMap((s) => s.ports ?? []).map((p) => p.split(':')[0]);
    expect(hostPorts).not.toContain('9000');
  });

  it('CI runs the services stack with our pins and with Dittofeed\'s (ClickHouse 24.12, Postgres 15)', () => {
    const services = load('.github/workflows/ci.yaml').jobs.services;
    expect(services.with).toMatchObject({ stack: 'services', clickhouse_image: '${{ matrix.clickhouse }}', postgres_image: '${{ matrix.postgres }}' });
    expect(services.strategy.matrix.include).toEqual(expect.arrayContaining([
      { clickhouse: DITTOFEED_SOURCE.clickhouseImage, postgres: DITTOFEED_SOURCE.postgresImage },
      { clickhouse: 'clickhouse/clickhouse-server:25.8.9.20', postgres: 'postgres:17.6-alpine' },
    ]));
    const shared = load('.github/workflows/shared-workflow.yaml');
    expect(Object.keys(shared.on.workflow_call.inputs).sort()).toEqual(['clickhouse_image', 'postgres_image', 'stack']);
    expect(shared.jobs.test.services.clickhouse.image).toBe("${{ inputs.stack == 'services' && inputs.clickhouse_image || '' }}");
    expect(shared.jobs.test.services.postgres.image).toBe("${{ inputs.stack == 'services' && inputs.postgres_image || '' }}");
    expect(JSON.stringify(shared.jobs.test.steps)).toMatch(/-p 9100:9000/);
  });
});
