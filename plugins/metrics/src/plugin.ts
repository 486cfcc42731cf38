import { collectDefaultMetrics, Registry } from 'prom-client';
import { definePlugin, PluginBootError, type PermafrostPlugin } from '@permafrost/core/plugin';
import { coldPartsAllowedGauge, coldPartsGauge, type ColdPartsOptions, type ColdPartsSource } from './cold-parts';
import { assertPort, metricsHandler, serveMetrics, type MetricsHandler, type MetricsServer } from './http';
import { createMetrics, type MetricsBuckets } from './metrics';
import { observe } from './observers';

export const METRICS_PLUGIN = 'metrics';

export interface MetricsOptions {
  /** Where the metrics go (default: a registry of this plugin's own, never prom-client's global one, so two apps in one process keep theirs apart). */
  registry?: Registry;
  /** Also export prom-client's process metrics (CPU, memory, event loop lag, GC), prefixed `permafrost_` (default false). */
  defaultMetrics?: boolean;
  /** The cold-parts gauge (default on, policy `cold_storage`); false leaves it out. Needs the data layer's ClickHouse. */
  coldParts?: ColdPartsOptions | false;
  buckets?: MetricsBuckets;
  /**
   * Also serve the registry over HTTP while the app runs (e.g. a worker): it listens in init, so a taken
   * port fails the boot naming this plugin, and closes at shutdown. Host default 127.0.0.1, path /metrics.
   */
  serve?: { port: number; host?: string; path?: string };
}

/** The plugin, with what a host needs to expose its metrics. */
export interface MetricsPlugin extends PermafrostPlugin {
  readonly registry: Registry;
  /** The metrics in the Prometheus text format. */
  render(): Promise<string>;
  /** A Node `http` handler for `/metrics`. */
  readonly handler: MetricsHandler;
  /** Where `serve` listens while the app runs (its real port when `serve.port` is 0); undefined otherwise. */
  url(): string | undefined;
}

/**
 * Prometheus metrics of one app, from the public lifecycle notifications only (it taps no hook, so it
 * can neither slow nor veto a transition). Boot one per app: a plugin value holds one registry, and a
 * second boot while the first runs is refused.
 */
export function metricsPlugin(options: MetricsOptions = {}): MetricsPlugin {
  const registry = options.registry ?? new Registry();
  const metrics = createMetrics(registry, options.buckets);
  let source: ColdPartsSource | undefined;
  if (options.coldParts !== false) {
    coldPartsGauge(registry, () => source, options.coldParts ?? {});
    coldPartsAllowedGauge(registry, () => source, options.coldParts ?? {});
  }
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'permafrost_' });
  if (options.serve) assertPort(options.serve.port); // a bad port is refused where it is written, before any boot
  let stop: (() => void) | undefined;
  let server: MetricsServer | undefined;
  // Bootstrap shuts down every plugin it started when an init fails, the refused one included: that
  // shutdown must leave the app that really runs this plugin alone.
  let refused = 0;
  return definePlugin({
    name: METRICS_PLUGIN,
    registry,
    render: () => registry.metrics(),
    handler: metricsHandler(registry),
    url: () => server?.url,
    async init({ emitter, container, logger }) {
      if (stop) {
        refused += 1;
        throw new PluginBootError(`This metrics plugin is already booted in another app; call metricsPlugin() once per app (each gets its own registry).`, { plugin: METRICS_PLUGIN });
      }
      stop = observe(emitter, metrics);
      source = { container, logger };
      if (options.serve) server = await serveMetrics({ registry, ...options.serve });
    },
    async shutdown() {
      if (refused > 0) {
        refused -= 1;
        return;
      }
      stop?.();
      stop = undefined;
      source = undefined;
      await server?.close();
      server = undefined;
    },
  });
}
