import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths';

// No Docker engine or GitHub runner here: these keep the files valid and consistent with each other.
const load = (path: string) => parse(readFileSync(resolve(repoRoot, path), 'utf8'));

describe('docker-compose.yaml', () => {
  const compose = load('docker-compose.yaml');

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries<{ image: string }>(compose.services)) {
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:(?!latest$)[\w.-]+$/)]);
    }
  });

  it('runs postgres, clickhouse and minio with healthchecks and a bucket-creating one-shot', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'minio', 'minio-bucket', 'postgres']);
    for (const name of ['postgres', 'clickhouse', 'minio']) expect(compose.services[name].healthcheck.test).toBeDefined();
    expect(compose.services['minio-bucket'].command.join(' ')).toMatch(/mc mb .*permafrost-cold/);
    expect(compose.services.clickhouse.depends_on['minio-bucket'].condition).toBe('service_completed_successfully');
  });

  it('mounts the same storage XML the embedded engine loads, with its from_env variables set', () => {
    const clickhouse = compose.services.clickhouse;
    expect(clickhouse.volumes).toContain('./clickhouse-config/config.d/storage.xml:/etc/clickhouse-server/config.d/storage.xml:ro');
    expect(clickhouse.volumes).toContain('./clickhouse-config/users.d/s3-retries.xml:/etc/clickhouse-server/users.d/s3-retries.xml:ro');
    const xml = readFileSync(resolve(repoRoot, 'clickhouse-config/config.d/storage.xml'), 'utf8');
    const fromEnv = [...xml.matchAll(/from_env="(\w+)"/g)].map((m) => m[1]);
    expect(fromEnv.length).toBe(3);
    for (const variable of fromEnv) expect(clickhouse.environment[variable!]).toBeTruthy();
  });
});

describe('GitHub workflows', () => {
  const ci = load('.github/workflows/ci.yaml');
  const shared = load('.github/workflows/shared-workflow.yaml');

  it('ci.yaml calls the shared workflow once per stack', () => {
    const jobs = Object.values<{ uses?: string; with?: { stack: string } }>(ci.jobs).filter((j) => j.uses);
    expect(jobs.map((j) => j.uses)).toEqual(['./.github/workflows/shared-workflow.yaml', './.github/workflows/shared-workflow.yaml']);
    expect(jobs.map((j) => j.with!.stack).sort()).toEqual(['embedded', 'services']);
  });

  it('ci.yaml runs npm test against the cluster compose profile, with the variables its header lists', () => {
    const cluster = ci.jobs.cluster as { env: Record<string, string>; steps: Array<{ run?: string }> };
    const runs = cluster.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/docker compose -f docker-compose\.cluster\.yaml --profile cluster up -d/);
    expect(runs).toMatch(/^npm ci$/m);
    expect(runs).toMatch(/^npm test$/m);
    const header = readFileSync(resolve(repoRoot, 'docker-compose.cluster.yaml'), 'utf8').split('\n').filter((l) => l.startsWith('#')).join('\n');
    for (const variable of ['PERMAFROST_CLICKHOUSE_CLUSTER', 'DATABASE_URL', 'PERMAFROST_S3_ENDPOINT', 'PERMAFROST_S3_ACCESS_KEY_ID', 'PERMAFROST_S3_SECRET_ACCESS_KEY']) {
      expect(header).toContain(variable);
      expect(cluster.env[variable]).toBeTruthy();
    }
    expect(cluster.env.PERMAFROST_CLICKHOUSE_CLUSTER).toBe('permafrost');
  });

  it('runs the same commands in both stacks, and they are the ones .ci/run runs', () => {
    const steps: Array<{ run?: string; if?: string }> = shared.jobs.test.steps;
    const unconditional = steps.filter((s) => s.run && !s.if).map((s) => s.run!.trim());
    expect(unconditional).toEqual(expect.arrayContaining(['npm ci', 'npm run check', 'npm test']));
    const ciRun = readFileSync(resolve(repoRoot, '.ci/run'), 'utf8');
    for (const command of ['npm ci', 'npm test']) expect(ciRun).toContain(command);
    const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toMatch(/^npm run check && jest/);
  });

  it('starts postgres and clickhouse service containers only for the services stack', () => {
    const services = shared.jobs.test.services;
    expect(Object.keys(services).sort()).toEqual(['clickhouse', 'postgres']);
    for (const service of Object.values<{ image: string }>(services)) expect(service.image).toMatch(/inputs\.stack == 'services'/);
    expect(JSON.stringify(steps(shared))).toMatch(/minio\/minio:RELEASE/);
  });
});

function steps(workflow: { jobs: { test: { steps: unknown[] } } }): unknown[] {
  return workflow.jobs.test.steps;
}
