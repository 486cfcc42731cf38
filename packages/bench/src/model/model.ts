import type { Expectation, RowSpec, Status, Step, Transition, WsIndex } from './types';

/** The lifecycle status machine, as the README states it: anything else is ILLEGAL_TRANSITION. */
const MACHINE: Record<Transition, { from: readonly Status[]; to: Status }> = {
  pause: { from: ['Active'], to: 'Paused' },
  resume: { from: ['Paused'], to: 'Active' },
  tombstone: { from: ['Active', 'Paused'], to: 'Tombstoned' },
  untombstone: { from: ['Tombstoned'], to: 'Active' },
};

/** The legal transition a crash step runs when its own is illegal from this status. */
const WAY_OUT: Record<Status, Transition> = { Active: 'pause', Paused: 'resume', Tombstoned: 'untombstone' };

export function nextStatus(from: Status, t: Transition): Status | undefined {
  const rule = MACHINE[t];
  return rule.from.includes(from) ? rule.to : undefined;
}

export interface WorkspaceModel {
  status: Status;
  /**
   * True once an archive (pause, tombstone or explicit) finished with nothing ingested since: then no
   * hot row may be left. Ingestion or a return to Active clears it.
   */
  settledCold: boolean;
  /** Set when a step of this workspace failed unexpectedly: the cold state can then be anything. */
  broken: boolean;
}

/**
 * The abstract state the real system must agree with. Rows themselves live in the reference tables
 * (the engine computes the expected multiset); the model keeps what SQL cannot know: statuses, and
 * which batches were delivered so they can be re-delivered.
 */
export class Model {
  readonly ws: WorkspaceModel[];
  readonly batches: Array<{ ws: WsIndex; rows: RowSpec[] }> = [];

  constructor(workspaces: number) {
    this.ws = Array.from({ length: workspaces }, () => ({ status: 'Active' as Status, settledCold: false, broken: false }));
  }

  /** What the step should do, from the model alone (before it runs). */
  expect(step: Step): Expectation {
    if (step.op === 'redeliver') return this.batches.length === 0 ? { kind: 'skip', why: 'no earlier batch' } : { kind: 'ok' };
    const w = this.ws[step.ws]!;
    switch (step.op) {
      case 'ingest':
        return { kind: 'ok' };
      case 'archive':
        return w.status === 'Active' ? { kind: 'skip', why: 'archive only runs on a Paused or Tombstoned workspace' } : { kind: 'ok' };
      case 'transition': {
        const to = nextStatus(w.status, step.t);
        return to ? { kind: 'ok', to } : { kind: 'illegal' };
      }
      case 'crash': {
        const t = nextStatus(w.status, step.t) ? step.t : WAY_OUT[w.status];
        return { kind: 'ok', to: nextStatus(w.status, t)!, t };
      }
    }
  }

  /** The batch a redeliver step sends again: same rows, same workspace. */
  redelivered(step: Extract<Step, { op: 'redeliver' }>): { ws: WsIndex; rows: RowSpec[] } {
    return this.batches[step.batch % this.batches.length]!;
  }

  /** Applies a step that went as expected. */
  apply(step: Step, expectation: Expectation): void {
    if (expectation.kind !== 'ok') return;
    if (step.op === 'redeliver') {
      this.ws[this.redelivered(step).ws]!.settledCold = false;
      return;
    }
    const w = this.ws[step.ws]!;
    switch (step.op) {
      case 'ingest':
        this.batches.push({ ws: step.ws, rows: step.rows });
        w.settledCold = false;
        return;
      case 'archive':
        w.settledCold = true;
        return;
      case 'crash':
        this.batches.push({ ws: step.ws, rows: step.rows });
        w.status = expectation.to!;
        w.settledCold = w.status !== 'Active';
        return;
      case 'transition':
        w.status = expectation.to!;
        w.settledCold = w.status !== 'Active';
        return;
    }
  }
}
