// The hand-derived backprop of char-rnn's RNN, LSTM and GRU (rnn/lstm/gru.manual.ts) against two
// independent references: the tape (autodiff through charrnn.ts, itself checked against PyTorch in
// pytorch-fixtures.test.ts) and central finite differences of the tape's forward pass. Random
// shapes (L, H, V, T, B), random non-zero starting states, with and without dropout masks.
// Also: running the manual model one step at a time, carrying the state, is the same as one chunk.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { charWellScaledParams } from '../src/gradcheck/charrnn.ts';
import { compareGradients, relativeError, THRESHOLDS } from '../src/gradcheck/compare.ts';
import { charEvalLoss, charLossAndGrads } from '../src/models/charrnn.paths.ts';
import {
  type Batch,
  CELL_KINDS,
  type CellKind,
  type CharRNNConfig,
  charLoss,
  cloneState,
  type DropoutMasks,
  dropoutMasks,
  type Params,
  type State,
} from '../src/models/charrnn.ts';
import * as gruManual from '../src/models/gru.manual.ts';
import * as lstmManual from '../src/models/lstm.manual.ts';
import * as rnnManual from '../src/models/rnn.manual.ts';

const MANUAL = { rnn: rnnManual, lstm: lstmManual, gru: gruManual } as const;

interface Case {
  config: CharRNNConfig;
  p: Params;
  batch: Batch;
  state: State;
  masks: DropoutMasks | undefined;
}

/** A random model, chunk, non-zero starting state and (when dropout > 0) masks, all from `seed`. */
function makeCase(kind: CellKind, L: number, H: number, V: number, T: number, B: number, seed: number, dropout: number): Case {
  const config: CharRNNConfig = { kind, vocabSize: V, hiddenSize: H, layers: L };
  const rng = new Rng(seed);
  const p = charWellScaledParams(config, rng);
  const ids = (): number[] => Array.from({ length: T * B }, () => rng.int(V));
  const batch: Batch = { inputs: ids(), targets: ids(), T, B };
  const draw = (scale: number): Float64Array[] => Array.from({ length: L }, () => Float64Array.from({ length: B * H }, () => scale * (2 * rng.uniform() - 1)));
  const state: State = { h: draw(0.5), c: kind === 'lstm' ? draw(1) : [] };
  return { config, p, batch, state, masks: dropoutMasks(config, T, B, dropout, rng) };
}

const shapes = {
  L: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 6 }),
  V: fc.integer({ min: 2, max: 7 }),
  T: fc.integer({ min: 1, max: 5 }),
  B: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  dropout: fc.constantFrom(0, 0.4),
};

function expectSameState(a: State, b: State, tol = { rtol: 1e-12, atol: 1e-15 }): void {
  expect(a.h.length).toBe(b.h.length);
  expect(a.c.length).toBe(b.c.length);
  a.h.forEach((h, l) => expect(h).toBeAllClose(b.h[l], tol));
  a.c.forEach((c, l) => expect(c).toBeAllClose(b.c[l], tol));
}

describe.each(CELL_KINDS)('%s: hand-derived backprop', (kind) => {
  it('equals the tape (loss, every gradient, final state) and finite differences, with and without dropout', () => {
    fc.assert(
      fc.property(shapes.L, shapes.H, shapes.V, shapes.T, shapes.B, shapes.seed, shapes.dropout, (L, H, V, T, B, seed, dropout) => {
        const { p, batch, state, masks } = makeCase(kind, L, H, V, T, B, seed, dropout);
        const before = cloneState(state);
        const tape = charLossAndGrads('tape', p, batch, state, masks);
        const manual = charLossAndGrads('manual', p, batch, state, masks);

        expect(relativeError(manual.loss, tape.loss)).toBeLessThanOrEqual(1e-12);
        expectSameState(manual.state, tape.state);
        expectSameState(state, before, { rtol: 0, atol: 0 }); // the input state is not changed
        expect(manual.state.h[0]).not.toBe(state.h[0]); // fresh arrays out

        // Every entry tape vs manual (THRESHOLDS.tapeVsManual), and 3 random entries per parameter
        // of both against central differences of the tape's forward pass (THRESHOLDS.vsNumeric).
        const loss = (q: Params): number => charLoss(q, batch, state, masks).loss.item();
        const rows = compareGradients(loss, p, tape.grads, manual.grads, { samples: 3, rng: new Rng(seed ^ 0x5eed), terms: T * B });
        expect(rows.filter((r) => !r.pass)).toEqual([]);
        expect(rows.map((r) => r.name)).toEqual(Object.keys(p)); // a gradient for every parameter, nothing more
        for (const [name, g] of Object.entries(manual.grads)) expect(g.shape).toEqual(p[name].shape);
      }),
      { numRuns: 40 },
    );
  });

  it('checks every entry against finite differences on one 2-layer model with dropout, B = 3', () => {
    const { p, batch, state, masks } = makeCase(kind, 2, 4, 5, 4, 3, 7, 0.3);
    const tape = charLossAndGrads('tape', p, batch, state, masks);
    const manual = charLossAndGrads('manual', p, batch, state, masks);
    const loss = (q: Params): number => charLoss(q, batch, state, masks).loss.item();
    const rows = compareGradients(loss, p, tape.grads, manual.grads, { terms: 12 });
    expect(rows.filter((r) => !r.pass)).toEqual([]);
    for (const r of rows) {
      expect(r.checked).toBe(r.shape.reduce((a, b) => a * b, 1));
      expect(r.maxRelTapeManual).toBeLessThanOrEqual(THRESHOLDS.tapeVsManual);
    }
    // The masks matter (some units dropped, the rest scaled), so the check above was not vacuous.
    expect(masks!.some((m) => m.includes(0))).toBe(true);
    expect(relativeError(charLossAndGrads('manual', p, batch, state).loss, manual.loss)).toBeGreaterThan(1e-6);
  });

  it('run one step at a time, carrying the state, gives the same losses and final state as one chunk', () => {
    fc.assert(
      fc.property(shapes.L, shapes.H, shapes.V, shapes.T, shapes.B, shapes.seed, shapes.dropout, (L, H, V, T, B, seed, dropout) => {
        const { p, batch, state, masks } = makeCase(kind, L, H, V, T, B, seed, dropout);
        const whole = MANUAL[kind].forward(p, batch, state, masks);
        let s = state,
          sum = 0;
        for (let t = 0; t < T; t++) {
          const rows = (ids: ArrayLike<number>): number[] => Array.from(ids).slice(t * B, (t + 1) * B);
          const step: Batch = { inputs: rows(batch.inputs), targets: rows(batch.targets), T: 1, B };
          const stepMasks = masks?.map((m) => m.slice(t * B * H, (t + 1) * B * H));
          const out = MANUAL[kind].forward(p, step, s, stepMasks);
          sum += out.loss; // each step's mean over B; the chunk's mean over T·B is their average
          s = out.state;
        }
        expect(sum / T).toBeAllClose(whole.loss, { rtol: 1e-12, atol: 0 });
        expectSameState(s, whole.state);
      }),
      { numRuns: 40 },
    );
  });

  it('keepCache = false gives the same loss and state and no cache; charEvalLoss is the tape loss without dropout', () => {
    const { p, batch, state } = makeCase(kind, 2, 5, 6, 5, 3, 11, 0);
    const kept = MANUAL[kind].forward(p, batch, state, undefined, true);
    const bare = MANUAL[kind].forward(p, batch, state, undefined, false);
    expect(bare.cache).toBeNull();
    expect(bare.loss).toBe(kept.loss);
    expectSameState(bare.state, kept.state, { rtol: 0, atol: 0 });
    const ev = charEvalLoss(p, batch, state);
    const tape = charLoss(p, batch, state);
    expect(ev.loss).toBeAllClose(tape.loss.item(), { rtol: 1e-12, atol: 0 });
    expectSameState(ev.state, tape.state);
  });

  it('refuses parameters of another kind, a cache of another kind, and masks of the wrong size', () => {
    const other: CellKind = kind === 'lstm' ? 'gru' : 'lstm';
    const mine = makeCase(kind, 1, 3, 4, 2, 2, 1, 0);
    const theirs = makeCase(other, 1, 3, 4, 2, 2, 1, 0);
    expect(() => MANUAL[kind].forward(theirs.p, theirs.batch, theirs.state)).toThrow(/manual: these parameters are a/);
    const cache = MANUAL[other].forward(theirs.p, theirs.batch, theirs.state).cache!;
    expect(() => (MANUAL[kind].backward as (c: unknown) => Params)(cache)).toThrow(/comes from the/);
    expect(() => MANUAL[kind].forward(mine.p, mine.batch, mine.state, [new Float64Array(5)])).toThrow(/dropout masks/);
  });
});
