import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bootstrap, silentLogger, type PermafrostPlugin } from '@permafrost/core';
import { definePlugin, InMemoryWorkspaceStateStore, InvalidInputError, PluginBootError, WORKSPACE_STATE_STORE } from '@permafrost/core/plugin';
import { MetricsServerError, metricsPlugin, Registry, serveMetrics } from './index';
import { parseExposition, sum } from './testing/exposition';

// The plugin on core alone (in-memory state store, no data layer): registries per app, boot rules, the server helper.
async function app(plugins: PermafrostPlugin[], hookTimeoutMs?: number) {
  const store = new InMemoryWorkspaceStateStore();
  const state = definePlugin({ name: 'state', provides: [WORKSPACE_STATE_STORE], register: (c) => c.registerInstance(WORKSPACE_STATE_STORE, store) });
  const booted = await bootstrap({ plugins: [state, ...plugins], logger: silentLogger, hookTimeoutMs });
  store.add('w');
  return booted;
}
const samples = async (m: { render(): Promise<string> }) => parseExposition(await m.render());

describe('metricsPlugin', () => {
  it('keeps two apps in one process apart: each counts only its own transitions', async () => {
    const a = metricsPlugin();
    const b = metricsPlugin();
    const appA = await app([a]);
    const appB = await app([b]);
    await appA.executor.execute('w', 'pause');
    await appA.executor.execute('w', 'resume');
    expect(sum(await samples(a), 'permafrost_transitions_total', { result: 'completed' })).toBe(2);
    expect(sum(await samples(b), 'permafrost_transitions_total')).toBe(0);
    await Promise.all([appA.shutdown(), appB.shutdown()]);
  });

  it('refuses a second boot of one plugin value while it runs, and boots it again after shutdown', async () => {
    const m = metricsPlugin();
    const first = await app([m]);
    await expect(app([m])).rejects.toThrow(PluginBootError);
    await first.executor.execute('w', 'pause'); // the refused boot's shutdown left the running one alone
    expect(sum(await samples(m), 'permafrost_transitions_total', { transition: 'pause' })).toBe(1);
    await first.shutdown();
    const again = await app([m]);
    await again.executor.execute('w', 'pause');
    expect(sum(await samples(m), 'permafrost_transitions_total', { transition: 'pause' })).toBe(2);
    await again.shutdown();
    // Shut down: it no longer listens (counters keep their totals, as a process's counters do).
    expect(sum(await samples(m), 'permafrost_transitions_total')).toBe(2);
  });

  it('refuses a registry that already holds its metrics', () => {
    const registry = new Registry();
    metricsPlugin({ registry });
    expect(() => metricsPlugin({ registry })).toThrow(InvalidInputError);
  });

  it('labels a handler timeout by its cause code, and leaves nothing in flight', async () => {
    const m = metricsPlugin();
    const slow = definePlugin({ name: 'slow', init: ({ emitter }) => emitter.tap('before:pause', () => new Promise((r) => setTimeout(r, 500))) });
    const booted = await app([slow, m], 50);
    await expect(booted.executor.execute('w', 'pause')).rejects.toThrow(/did not finish before:pause within 50 ms/);
    const s = await samples(m);
    expect(sum(s, 'permafrost_transition_failures_total', { transition: 'pause', code: 'HOOK_FAILED', cause: 'HOOK_TIMEOUT' })).toBe(1);
    expect(sum(s, 'permafrost_hook_duration_seconds_count', { plugin: 'slow', hook: 'before:pause', result: 'failed' })).toBe(1);
    expect(sum(s, 'permafrost_transitions_in_flight')).toBe(0);
    await booted.shutdown();
  });

  it('exports process metrics only when asked, and no cold-parts samples without a data layer', async () => {
    const plain = metricsPlugin();
    const withProcess = metricsPlugin({ defaultMetrics: true });
    const booted = await app([plain]);
    expect(sum(await samples(plain), 'permafrost_process_cpu_user_seconds_total')).toBe(0);
    expect((await samples(withProcess)).some((s) => s.name === 'permafrost_process_cpu_user_seconds_total')).toBe(true);
    expect((await samples(plain)).filter((s) => s.name === 'permafrost_cold_parts' || s.name === 'permafrost_cold_parts_allowed')).toEqual([]);
    await booted.shutdown();
  });
});

describe('metricsPlugin serve option', () => {
  it('listens while the app runs and closes at shutdown; a bad port is refused before any boot', async () => {
    expect(() => metricsPlugin({ serve: { port: -1 } })).toThrow(InvalidInputError);
    const m = metricsPlugin({ serve: { port: 0 } });
    expect(m.url()).toBeUndefined();
    const booted = await app([m]);
    const url = m.url()!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(url)).status).toBe(200);
    await booted.shutdown();
    expect(m.url()).toBeUndefined();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('fails the boot naming the plugin when its port is taken', async () => {
    const holder = metricsPlugin({ serve: { port: 0 } });
    const first = await app([holder]);
    const port = Number(new URL(holder.url()!).port);
    // Its own typed error, not a generic boot failure: the code says what broke, the details whose it is.
    await expect(app([metricsPlugin({ serve: { port } })])).rejects.toMatchObject({
      code: 'METRICS_SERVER', plugin: 'metrics', message: expect.stringMatching(/^Could not serve metrics on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/),
    });
    await first.shutdown();
  });
});

describe('serveMetrics', () => {
  it('refuses a bad port before starting anything, and a taken one with a typed error', async () => {
    const registry = new Registry();
    await expect(serveMetrics({ registry, port: 70000 })).rejects.toThrow(InvalidInputError);
    await expect(serveMetrics({ registry, port: 1.5 })).rejects.toThrow(InvalidInputError);
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as AddressInfo).port;
    const err = await serveMetrics({ registry, port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsServerError);
    expect(err).toMatchObject({ code: 'METRICS_SERVER', message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`)) });
    await new Promise<void>((r) => holder.close(() => r()));
  });

  it('closes even while a scraper holds a keep-alive connection', async () => {
    const m = metricsPlugin();
    const server = await serveMetrics({ registry: m.registry, port: 0 });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const response = await fetch(server.url, { headers: { connection: 'keep-alive' } });
    expect(response.status).toBe(200);
    await response.text();
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
