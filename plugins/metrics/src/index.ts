export { metricsPlugin, METRICS_PLUGIN, type MetricsOptions, type MetricsPlugin } from './plugin';
export { metricsHandler, serveMetrics, type MetricsHandler, type MetricsServer, type ServeMetricsOptions } from './http';
export { createMetrics, type MetricsBuckets, type PermafrostMetrics } from './metrics';
export type { ColdPartsOptions } from './cold-parts';
export { MetricsServerError } from './errors';
export { Registry } from 'prom-client';
