import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { InvalidInputError, TRANSITION_NAMES } from '@permafrost/core/plugin';

/** Histogram buckets, in seconds. */
export interface MetricsBuckets {
  /** A whole transition: a status flip takes milliseconds, one that archives a large workspace minutes. */
  transition?: number[];
  /** One hook handler: most take a millisecond, cold storage's archive or restore up to minutes. */
  hook?: number[];
  /** One storage operation (archive, restore). */
  operation?: number[];
}

const DEFAULT_BUCKETS: Required<MetricsBuckets> = {
  transition: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800],
  hook: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800],
  operation: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600],
};

/**
 * Every metric the plugin exports, made once per plugin value in its registry. Labels carry names from
 * small fixed sets (transitions, plugins, hook points, error codes, tables, strategies), never a workspace
 * id: the series count stays bounded however many tenants there are, and a scrape names no tenant.
 */
export function createMetrics(registry: Registry, buckets: MetricsBuckets = {}) {
  const registers = [registry];
  const b = { ...DEFAULT_BUCKETS, ...buckets };
  try {
    const metrics = {
      transitions: new Counter({ name: 'permafrost_transitions_total', help: 'Transitions that ended, by transition and result (completed, failed, vetoed)', labelNames: ['transition', 'result'] as const, registers }),
      transitionDuration: new Histogram({ name: 'permafrost_transition_duration_seconds', help: 'Duration of transitions that ended (one run; a retry is a run of its own), by transition and result', labelNames: ['transition', 'result'] as const, buckets: b.transition, registers }),
      inFlight: new Gauge({ name: 'permafrost_transitions_in_flight', help: 'Transitions running in this process now, by transition', labelNames: ['transition'] as const, registers }),
      failures: new Counter({ name: 'permafrost_transition_failures_total', help: 'Transitions that failed or were vetoed, by transition, error code and the code of its cause (the failing handler\'s error)', labelNames: ['transition', 'code', 'cause'] as const, registers }),
      hookDuration: new Histogram({ name: 'permafrost_hook_duration_seconds', help: 'Duration of hook handlers that ran, by plugin, hook point and result (ok, failed)', labelNames: ['plugin', 'hook', 'result'] as const, buckets: b.hook, registers }),
      rowsArchived: new Counter({ name: 'permafrost_rows_archived_total', help: 'Rows moved to cold storage by completed archives, by table and strategy', labelNames: ['table', 'strategy'] as const, registers }),
      rowsRestored: new Counter({ name: 'permafrost_rows_restored_total', help: 'Rows brought back hot by completed restores, by table and strategy', labelNames: ['table', 'strategy'] as const, registers }),
      bytesArchived: new Counter({ name: 'permafrost_bytes_archived_total', help: 'Bytes completed archives account for (cold storage: bytes of its cold parts), by strategy', labelNames: ['strategy'] as const, registers }),
      bytesRestored: new Counter({ name: 'permafrost_bytes_restored_total', help: 'Bytes completed restores account for, by strategy (only plugins that measure them report any)', labelNames: ['strategy'] as const, registers }),
      operationDuration: new Histogram({ name: 'permafrost_storage_operation_duration_seconds', help: 'Duration of completed storage operations (one run), by kind (archive, restore) and strategy', labelNames: ['kind', 'strategy'] as const, buckets: b.operation, registers }),
    };
    // Series that exist before anything happens: a dashboard shows 0, not "no data", and rate() has a start.
    for (const transition of TRANSITION_NAMES) metrics.inFlight.set({ transition }, 0);
    return metrics;
  } catch (err) {
    // prom-client refuses a second metric of one name in a registry.
    throw new InvalidInputError(`This registry already holds Permafrost metrics (${(err as Error).message}); give each metricsPlugin its own registry (the default).`, { plugin: 'metrics', cause: err });
  }
}

export type PermafrostMetrics = ReturnType<typeof createMetrics>;
