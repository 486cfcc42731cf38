import { InvalidInputError } from '@permafrost/core';
import { metricsPlugin, type MetricsPlugin } from '@permafrost/plugin-metrics';

/**
 * `permafrost worker --metrics-port <port> [--metrics-host <host>]`: the metrics plugin, serving `/metrics`
 * while the worker's app runs (it listens at boot and closes at shutdown). The port is checked here, before
 * any server starts; without --metrics-port the worker boots no metrics plugin at all.
 */
export function workerMetrics(port: string | undefined, host: string): MetricsPlugin[] {
  if (port === undefined) return [];
  if (!/^\d{1,5}$/.test(port)) throw new InvalidInputError(`--metrics-port must be a port number from 0 to 65535 (0: any free port), got ${JSON.stringify(port)}`);
  return [metricsPlugin({ serve: { port: Number(port), host } })];
}
