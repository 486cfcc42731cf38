import fc from 'fast-check';
import type { Program, RowSpec, Step, Transition } from './types';

/**
 * Edge processing times: the epoch, decades back, far future (after any archive's watermark), both
 * sides of month boundaries, and one busy millisecond that many rows share.
 */
export const TIMES = [
  '1970-01-01T00:00:00.000Z',
  '1985-06-15T12:00:00.000Z',
  '2090-07-04T00:00:00.000Z',
  '2026-02-28T23:59:59.999Z',
  '2026-03-01T00:00:00.000Z',
  '2025-12-31T23:59:59.999Z',
  '2026-11-20T10:00:00.000Z',
] as const;
const BUSY_MS = '2026-11-20T10:00:00.000Z';
const SERVER_TIMES = ['2026-11-20T10:00:00.000Z', '2026-11-20T10:00:00.001Z'] as const;

// Small pools make ids collide across batches: re-sends, corrections (same id and time, another
// payload) and same ids in neighbouring workspaces all arise without special cases.
const rowSpec: fc.Arbitrary<RowSpec> = fc.record({
  id: fc.integer({ min: 0, max: 7 }).map((n) => `m${n}`),
  time: fc.oneof({ weight: 2, arbitrary: fc.constant(BUSY_MS) }, { weight: 5, arbitrary: fc.constantFrom(...TIMES) }),
  server: fc.constantFrom(...SERVER_TIMES),
  kind: fc.constantFrom('track' as const, 'internal' as const, 'identify' as const),
  v: fc.integer({ min: 0, max: 2 }),
  copies: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) }),
});

const transition: fc.Arbitrary<Transition> = fc.constantFrom('pause', 'resume', 'tombstone', 'untombstone');

export interface ProgramShape {
  maxSteps: number;
  /** Weight of crash steps (0: none; they cost a child process each). */
  crashWeight: number;
}

export function stepArbitrary(shape: ProgramShape): fc.Arbitrary<Step> {
  const ws = fc.integer({ min: 0, max: 2 });
  const rows = fc.array(rowSpec, { minLength: 1, maxLength: 10 });
  const arbs: Array<fc.WeightedArbitrary<Step>> = [
    { weight: 5, arbitrary: fc.record({ op: fc.constant('ingest' as const), ws, rows }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('redeliver' as const), batch: fc.nat(20) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('transition' as const), ws, t: transition }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('archive' as const), ws }) },
  ];
  if (shape.crashWeight > 0) {
    arbs.push({ weight: shape.crashWeight, arbitrary: fc.record({ op: fc.constant('crash' as const), ws, t: transition, killAt: fc.integer({ min: 1, max: 6 }), rows }) });
  }
  return fc.oneof(...arbs);
}

/** Programs over 2–3 workspaces; step workspace indexes are folded into range by `normalize`. */
export function programArbitrary(shape: ProgramShape): fc.Arbitrary<Program> {
  return fc.record({
    workspaces: fc.integer({ min: 2, max: 3 }),
    steps: fc.array(stepArbitrary(shape), { minLength: 1, maxLength: shape.maxSteps }),
  }).map(normalize);
}

export function normalize(program: Program): Program {
  return {
    workspaces: program.workspaces,
    steps: program.steps.map((s) => ('ws' in s ? { ...s, ws: s.ws % program.workspaces } : s)),
  };
}
