// The hand-derived RNNs against three independent references: the tape (autodiff through rnn.ts),
// central finite differences of the loss, and each other (rnnN at L = 1, 2 against rnn1, rnn2).
// Plus two facts that need no reference implementation: at zero weights every prediction is
// uniform (loss T·ln V, a closed-form gradient), and a one-hot input touches only its own column.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { Tensor } from '../src/engine/tensor.ts';
import { wellScaledParams } from '../src/gradcheck/minchar.ts';
import { lossAndGrads } from '../src/models/rnn.paths.ts';
import { type Params, paramShapes } from '../src/models/rnn.ts';
import * as rnn1 from '../src/models/rnn1.manual.ts';
import * as rnn2 from '../src/models/rnn2.manual.ts';
import * as rnnN from '../src/models/rnnN.manual.ts';

const arbCase = fc.record({
  L: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 8 }),
  V: fc.integer({ min: 2, max: 7 }),
  T: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type Case = { L: number; H: number; V: number; T: number; seed: number };

/** A random model and chunk. Weights of std 0.2 keep tanh curved but unsaturated (see gradcheck.ts). */
function setup({ L, H, V, T, seed }: Case): { p: Params; inputs: number[]; targets: number[]; hprev: Float64Array[] } {
  const rng = new Rng(seed);
  const p = wellScaledParams({ vocabSize: V, hiddenSize: H, layers: L }, rng);
  const inputs = Array.from({ length: T }, () => rng.int(V));
  const targets = Array.from({ length: T }, () => rng.int(V));
  const hprev = Array.from({ length: L }, () => Float64Array.from({ length: H }, () => rng.uniform() - 0.5));
  return { p, inputs, targets, hprev };
}

const TIGHT = { rtol: 1e-9, atol: 1e-13 };

describe('tape and manual gradient paths', () => {
  it('agree on the loss, every gradient and the final hidden states (rtol 1e-9)', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, inputs, targets, hprev } = setup(c);
        const tape = lossAndGrads('tape', p, inputs, targets, hprev);
        const manual = lossAndGrads('manual', p, inputs, targets, hprev);
        expect(manual.loss).toBeAllClose(tape.loss, TIGHT);
        expect(Object.keys(manual.grads).sort()).toEqual(Object.keys(p).sort());
        for (const k of Object.keys(p)) expect(manual.grads[k]).toBeAllClose(tape.grads[k], TIGHT);
        expect(manual.h.length).toBe(c.L);
        for (let l = 0; l < c.L; l++) expect(manual.h[l]).toBeAllClose(tape.h[l], TIGHT);
      }),
      { numRuns: 40 },
    );
  });

  it('match central finite differences of the loss (rel 1e-6 at h = 1e-5)', () => {
    const step = 1e-5;
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, inputs, targets, hprev } = setup(c);
        const { loss, grads } = lossAndGrads('manual', p, inputs, targets, hprev);
        // (f(θ+h) − f(θ−h)) / 2h is exact to O(h²) ≈ 1e-10 plus rounding of f, ~ε·|f|/h (a few
        // 1e-10 here): that rounding is the absolute tolerance, 1e-6 the relative one.
        const atol = (20 * Number.EPSILON * Math.max(1, loss)) / step;
        for (const [name, theta] of Object.entries(p)) {
          const numeric = new Float64Array(theta.size);
          for (let i = 0; i < theta.size; i++) {
            const old = theta.data[i];
            theta.data[i] = old + step;
            const fPlus = lossAndGrads('manual', p, inputs, targets, hprev).loss;
            theta.data[i] = old - step;
            const fMinus = lossAndGrads('manual', p, inputs, targets, hprev).loss;
            theta.data[i] = old;
            numeric[i] = (fPlus - fMinus) / (2 * step);
          }
          expect(grads[name], name).toBeAllClose(numeric, { rtol: 1e-6, atol });
        }
      }),
      { numRuns: 12 },
    );
  });

  it('leave the parameters and hprev untouched', () => {
    const { p, inputs, targets, hprev } = setup({ L: 2, H: 4, V: 5, T: 4, seed: 7 });
    const pCopy = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.clone()]));
    const hCopy = hprev.map((h) => h.slice());
    for (const path of ['tape', 'manual'] as const) {
      const r = lossAndGrads(path, p, inputs, targets, hprev);
      for (const k of Object.keys(p)) expect(p[k]).toBeAllClose(pCopy[k], { rtol: 0, atol: 0 });
      for (let l = 0; l < 2; l++) expect(hprev[l]).toBeAllClose(hCopy[l], { rtol: 0, atol: 0 });
      expect(r.h[0]).not.toBe(hprev[0]); // fresh arrays, not the caller's
    }
  });
});

describe('rnnN against the fixed-depth versions', () => {
  const SAME = { rtol: 1e-12, atol: 1e-15 };

  it('with L = 1 equals rnn1 (min-char-rnn names) after the name mapping', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, inputs, targets, hprev } = setup({ ...c, L: 1 });
        const a = rnnN.forward(p, inputs, targets, hprev);
        const b = rnn1.forward(rnn1.fromCanonical(p), inputs, targets, hprev[0]);
        expect(b.loss).toBeAllClose(a.loss, SAME);
        expect(b.h).toBeAllClose(a.h[0], SAME);
        const ga = rnnN.backward(a.cache),
          gb = rnn1.toCanonical(rnn1.backward(b.cache));
        expect(Object.keys(gb).sort()).toEqual(Object.keys(ga).sort());
        for (const k of Object.keys(ga)) expect(gb[k]).toBeAllClose(ga[k], SAME);
      }),
      { numRuns: 25 },
    );
  });

  it('with L = 2 equals rnn2 (the post names, which are the canonical ones)', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, inputs, targets, hprev } = setup({ ...c, L: 2 });
        const a = rnnN.forward(p, inputs, targets, hprev);
        const { Wxh, Whh1, Wh1h2, Whh2, Why, bh1, bh2, by } = p;
        const b = rnn2.forward({ Wxh, Whh1, Wh1h2, Whh2, Why, bh1, bh2, by }, inputs, targets, [hprev[0], hprev[1]]);
        expect(b.loss).toBeAllClose(a.loss, SAME);
        for (let l = 0; l < 2; l++) expect(b.h[l]).toBeAllClose(a.h[l], SAME);
        const ga = rnnN.backward(a.cache),
          gb: Params = { ...rnn2.backward(b.cache) };
        expect(Object.keys(gb).sort()).toEqual(Object.keys(ga).sort());
        for (const k of Object.keys(ga)) expect(gb[k]).toBeAllClose(ga[k], SAME);
      }),
      { numRuns: 25 },
    );
  });

  it('toCanonical and fromCanonical rename without copying', () => {
    const { p } = setup({ L: 1, H: 3, V: 4, T: 1, seed: 1 });
    const m = rnn1.fromCanonical(p);
    expect(m.Whh).toBe(p.Whh1);
    expect(m.bh).toBe(p.bh1);
    expect(rnn1.toCanonical(m)).toEqual(p);
  });
});

describe('facts with a closed form', () => {
  it('at zero weights the loss is T·ln V and only by has a gradient: dby[v] = T/V − #{t: target_t = v}', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { inputs, targets } = setup(c);
        const zero: Params = Object.fromEntries(paramShapes({ vocabSize: c.V, hiddenSize: c.H, layers: c.L }).map(([k, s]) => [k, Tensor.zeros(s)]));
        const h0 = Array.from({ length: c.L }, () => new Float64Array(c.H));
        // every y_t = 0, so p_t is uniform: each step costs ln V, and dy_t = 1/V − onehot(target_t)
        const dby = new Float64Array(c.V).fill(c.T / c.V);
        for (const t of targets) dby[t] -= 1;
        for (const path of ['tape', 'manual'] as const) {
          const r = lossAndGrads(path, zero, inputs, targets, h0);
          expect(r.loss).toBeAllClose(c.T * Math.log(c.V), { rtol: 1e-14, atol: 0 });
          expect(r.grads.by).toBeAllClose(dby, { rtol: 1e-14, atol: 1e-15 });
          // h stays 0 (so dWhy = 0) and Why = 0 blocks every gradient below the output
          for (const k of Object.keys(zero)) if (k !== 'by') expect(r.grads[k]).toBeAllClose(new Float64Array(zero[k].size), { rtol: 0, atol: 0 });
        }
      }),
      { numRuns: 20 },
    );
  });

  it('the one-hot input: dWxh is exactly zero in the columns of characters not among the inputs', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, inputs, targets, hprev } = setup(c);
        for (const path of ['tape', 'manual'] as const) {
          const dWxh = lossAndGrads(path, p, inputs, targets, hprev).grads.Wxh; // (H, V)
          for (let v = 0; v < c.V; v++) {
            const column = Array.from({ length: c.H }, (_, j) => dWxh.data[j * c.V + v]);
            if (!inputs.includes(v)) expect(column.every((x) => x === 0)).toBe(true);
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('input checks', () => {
  it('reject mismatched chunks, out-of-range ids, wrongly sized hidden states and parameters', () => {
    const { p, hprev } = setup({ L: 1, H: 3, V: 4, T: 2, seed: 3 });
    const m = rnn1.fromCanonical(p);
    expect(() => rnn1.forward(m, [0, 1], [1], hprev[0])).toThrow(/equal length/);
    expect(() => rnn1.forward(m, [0, 4], [1, 2], hprev[0])).toThrow(/input 4 is out of range/);
    expect(() => rnn1.forward(m, [0], [1], new Float64Array(2))).toThrow(/hprev/);
    expect(() => lossAndGrads('manual', p, [0], [1], [hprev[0], hprev[0]])).toThrow(/hprev has 2 layers/);
    expect(() => rnn1.forward({ ...m, Whh: Tensor.zeros([3, 2]) }, [0], [1], hprev[0])).toThrow(/Whh has shape \[3, 2\], expected \[3, 3\]/);
    expect(() => rnnN.forward({ ...p, by: Tensor.zeros([5]) }, [0], [1], hprev)).toThrow(/by has shape \[5\], expected \[4\]/);
  });
});
