/**
 * What a storage plugin (cold storage, or any plugin that moves a workspace's data) tells observers once one
 * of its operations has finished and its result is durable. It publishes it with
 * `emitter.emit('operation:finished', …)`; core adds the plugin's name, so observers (metrics, audit) see
 * every storage plugin's work in one shape and can trust who did it. Emitted once per completed operation
 * run: never for a run that had nothing to move, never for a failure (failures surface as hook outcomes
 * and `transition:failed`).
 */
export interface OperationFinished {
  workspaceId: string;
  /** The plugin's id of the operation; a retried operation keeps its id. */
  operationId: string;
  kind: 'archive' | 'restore';
  /** How the plugin stored the data (cold storage: its strategy name, e.g. `table`). */
  strategy: string;
  /** Rows moved, summed over `tables`. */
  rows: number;
  /** Bytes the plugin measured for the operation (cold storage: bytes on the cold medium of an archive); absent when it measures none. */
  bytes?: number;
  /** Rows moved per table. */
  tables: ReadonlyArray<{ table: string; rows: number }>;
  /** Wall time of this run of the operation. */
  durationMs: number;
}

/** Notifications a plugin may publish itself (everything else on the bus comes from core), event → payload. */
export interface PluginEvents {
  'operation:finished': OperationFinished;
}

/** A notification's name that plugins publish. */
export type PluginEventName = keyof PluginEvents;

/** The runtime list of PluginEvents, so a JavaScript caller cannot publish one of core's own notifications. */
export const PLUGIN_EVENTS: readonly PluginEventName[] = ['operation:finished'];
