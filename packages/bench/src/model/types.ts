/**
 * The vocabulary of the model-based test: programs are plain JSON (readable when printed after a
 * shrink, replayable by seed and path), and every check result names what differed.
 */

export type Status = 'Active' | 'Paused' | 'Tombstoned';
export type Transition = 'pause' | 'resume' | 'tombstone' | 'untombstone';
export type StrategyName = 'table' | 'parquet';

/** Which workspace of the program (0 … workspaces-1); ids are made fresh for every run. */
export type WsIndex = number;

/** One row as the program writes it; identical specs make identical rows (exact duplicates). */
export interface RowSpec {
  /** Drawn from a small pool so ids collide: re-sent events and corrections happen naturally. */
  id: string;
  /** processing_time, ISO text (edge values: epoch, 1985, 2090, month boundaries, shared milliseconds). */
  time: string;
  /** server_time, ISO text. */
  server: string;
  kind: 'identify' | 'track' | 'internal';
  /** Payload variant: same id and time with another variant is a correction. */
  v: number;
  /** Copies of this exact row in the batch (2 or 3 = in-batch exact duplicates). */
  copies: number;
}

export type Step =
  | { op: 'ingest'; ws: WsIndex; rows: RowSpec[] }
  /** Re-deliver the n-th earlier ingest of the program (modulo how many there were); skipped when none. */
  | { op: 'redeliver'; batch: number }
  | { op: 'transition'; ws: WsIndex; t: Transition }
  /** sendWorkspaceEventsToColdStorage; skipped unless the model says Paused or Tombstoned. */
  | { op: 'archive'; ws: WsIndex }
  /**
   * The transition in a child process SIGKILLed at its killAt-th progress event, then finished. When `t`
   * is illegal from the current status, the status's own way out runs instead (so no crash is wasted).
   */
  /** `rows` are ingested first (in the parent), so the transition has events to move when it dies. */
  | { op: 'crash'; ws: WsIndex; t: Transition; killAt: number; rows: RowSpec[] };

export interface Program {
  workspaces: number;
  steps: Step[];
}

/** What the model expects from one step, decided before it runs. */
export type Expectation =
  | { kind: 'skip'; why: string }
  /** `t`: the transition that runs (a crash step may substitute a legal one). */
  | { kind: 'ok'; to?: Status; t?: Transition }
  | { kind: 'illegal' };

export interface RowDiff {
  expected: number;
  actual: number;
  row: Record<string, unknown>;
}

export interface Violation {
  /** multiset: rows lost or gained; placement: data not where the status says; error: an unexpected outcome. */
  kind: 'multiset' | 'placement' | 'status' | 'error' | 'neighbour';
  step: number;
  ws: WsIndex;
  table?: string;
  message: string;
  diffs?: RowDiff[];
}

export interface RunOutcome {
  ok: boolean;
  violations: Violation[];
  /** Per step: what the model expected and what happened, for the printed trace. */
  trace: string[];
  durationMs: number;
}
