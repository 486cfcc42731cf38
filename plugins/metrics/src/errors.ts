import { PermafrostError } from '@permafrost/core/plugin';

/** `METRICS_SERVER`: the metrics HTTP server could not listen (port taken, host not local); nothing was started. */
export class MetricsServerError extends PermafrostError {
  readonly code = 'METRICS_SERVER';
}
