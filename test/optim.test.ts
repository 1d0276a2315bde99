// The optimizers against torch.optim, clipping against torch.nn.utils.clip_grad_norm_ (fixture made
// by scripts/pytorch/optim_fixtures.py), checkpoint round trips bit for bit, and char-rnn's
// learning-rate schedule against its training loop restated step by step.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { Tensor } from '../src/engine/tensor.ts';
import { UserError } from '../src/errors.ts';
import {
  Adagrad,
  allFinite,
  clipElementwise,
  clipGlobalNorm,
  type Grads,
  learningRate,
  makeOptimizer,
  OPTIM_DEFAULTS,
  OPTIMIZERS,
  type OptimizerState,
  type OptimName,
  restoreOptimizer,
} from '../src/optim/optim.ts';

interface Fixture {
  torch: string;
  params: Record<string, { shape: number[]; data: number[] }>;
  grads: Record<string, number[]>[];
  lrs: number[];
  cases: { name: string; optimizer: OptimName; hyper: Record<string, number>; trajectory: Record<string, number[]>[] }[];
  clip: { label: string; maxNorm: number; norm: number; clipped: Record<string, number[]> }[];
}
const fx: Fixture = JSON.parse(readFileSync(new URL('./fixtures/pytorch/optim.json', import.meta.url), 'utf8'));
const STEPS = fx.grads.length;

const initialParams = (): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(fx.params).map(([k, { shape, data }]) => [k, new Tensor(Float64Array.from(data), shape)]));
const gradsAt = (i: number): Grads =>
  Object.fromEntries(Object.entries(fx.params).map(([k, { shape }]) => [k, new Tensor(Float64Array.from(fx.grads[i][k]), shape)]));
const snapshot = (p: Record<string, Tensor>): Record<string, number[]> => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, Array.from(t.data)]));

describe('optimizers against torch.optim (float64, lr changed between steps)', () => {
  it('the fixture covers every optimizer, with a learning rate that changes', () => {
    expect(new Set(fx.cases.map((c) => c.optimizer))).toEqual(new Set(OPTIMIZERS));
    expect(new Set(fx.lrs).size).toBeGreaterThan(3);
  });

  it.each(fx.cases.map((c) => [c.name, c] as const))('%s follows PyTorch step by step', (_, c) => {
    const p = initialParams();
    const opt = makeOptimizer(c.optimizer, c.hyper);
    for (let i = 0; i < STEPS; i++) {
      opt.step(p, gradsAt(i), fx.lrs[i]);
      for (const [k, want] of Object.entries(c.trajectory[i])) expect(p[k].data).toBeAllClose(want, { rtol: 1e-12, atol: 1e-15 });
    }
  });
});

describe('Adagrad', () => {
  it('puts eps inside the root, as min-char-rnn does: θ −= lr·g/√(mem + eps)', () => {
    // g = 1e-4 is where the two placements differ: √(1e-8 + 1e-8) against √1e-8 + 1e-8.
    const p = { w: Tensor.fromArray([1]) };
    makeOptimizer('adagrad').step(p, { w: Tensor.fromArray([1e-4]) }, 0.1);
    expect(p.w.data[0]).toBeAllClose(1 - (0.1 * 1e-4) / Math.sqrt(2e-8), { rtol: 1e-15 });
  });

  it('the min-char-rnn class takes its learning rate at construction and exposes its memory', () => {
    const a = initialParams(),
      b = initialParams();
    const fixed = new Adagrad(0.05);
    const general = makeOptimizer('adagrad');
    for (let i = 0; i < 3; i++) {
      fixed.step(a, gradsAt(i));
      general.step(b, gradsAt(i), 0.05);
    }
    expect(snapshot(a)).toEqual(snapshot(b));
    // mem is the sum of the squared gradients
    const want = fx.grads[0].w.map((_, j) => fx.grads[0].w[j] ** 2 + fx.grads[1].w[j] ** 2 + fx.grads[2].w[j] ** 2);
    expect(fixed.mem.w).toBeAllClose(want, { rtol: 1e-15 });
    expect(fixed.state().slots.mem.w).toEqual(fixed.mem.w);
  });
});

describe('state() and restoreOptimizer', () => {
  const hyperOf = (name: OptimName): Record<string, number> => fx.cases.find((c) => c.optimizer === name)!.hyper;

  it('continue bit for bit: k steps, save, restore, the rest = all steps in one go', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPTIMIZERS), fc.integer({ min: 0, max: STEPS }), (name, k) => {
        const straight = initialParams();
        const opt = makeOptimizer(name, hyperOf(name));
        for (let i = 0; i < STEPS; i++) opt.step(straight, gradsAt(i), fx.lrs[i]);

        const resumed = initialParams();
        const first = makeOptimizer(name, hyperOf(name));
        for (let i = 0; i < k; i++) first.step(resumed, gradsAt(i), fx.lrs[i]);
        const saved = first.state();
        first.step(initialParams(), gradsAt(0), 1); // moving on must not change what was saved
        const second = restoreOptimizer(saved);
        expect(second.name).toBe(name);
        expect(second.hyper).toEqual(opt.hyper);
        for (let i = k; i < STEPS; i++) second.step(resumed, gradsAt(i), fx.lrs[i]);

        expect(snapshot(resumed)).toEqual(snapshot(straight)); // toEqual on numbers: exact
        expect(second.state()).toEqual(opt.state());
      }),
      { numRuns: 30 },
    );
  });

  it('state() lists the slots of each optimizer, empty before the first step', () => {
    const slots: Record<OptimName, string[]> = { adagrad: ['mem'], rmsprop: ['sq'], adam: ['m', 'v'] };
    for (const name of OPTIMIZERS) {
      const s = makeOptimizer(name).state();
      expect(s).toEqual({ name, hyper: { ...OPTIM_DEFAULTS[name] }, steps: 0, slots: Object.fromEntries(slots[name].map((k) => [k, {}])) });
      const opt = makeOptimizer(name);
      opt.step(initialParams(), gradsAt(0), 0.1);
      const after = opt.state();
      expect(after.steps).toBe(1);
      expect(Object.keys(after.slots).sort()).toEqual([...slots[name]].sort());
      for (const byParam of Object.values(after.slots)) expect(Object.keys(byParam).sort()).toEqual(['b', 'u', 'w']);
    }
  });

  it('refuses a state that cannot be continued, with a UserError', () => {
    const good = (): OptimizerState => {
      const o = makeOptimizer('adam');
      o.step(initialParams(), gradsAt(0), 0.1);
      return o.state();
    };
    const bad: [string, (s: OptimizerState) => void, RegExp][] = [
      ['unknown name', (s) => ((s as { name: string }).name = 'sgd'), /unknown optimizer "sgd"/],
      ['unknown slot', (s) => (s.slots.mem = {}), /unknown slot "mem"/],
      ['missing slot', (s) => delete s.slots.v, /lacks slot "v"/],
      ['missing hyperparameter', (s) => delete s.hyper.beta2, /lacks hyperparameter\(s\) beta2/],
      ['unknown hyperparameter', (s) => (s.hyper.alpha = 0.9), /no hyperparameter "alpha"/],
      ['beta out of range', (s) => (s.hyper.beta1 = 1), /beta1 must be in \[0, 1\)/],
      ['negative steps', (s) => (s.steps = -1), /step count/],
      ['slots over different parameters', (s) => delete s.slots.v.w, /different parameters/],
      ['slots of different lengths', (s) => (s.slots.v.w = new Float64Array(3)), /differ in length/],
      ['negative second moment', (s) => (s.slots.v.b[2] = -1), /slot v of "b" has an invalid entry -1 at 2/],
      ['NaN first moment', (s) => (s.slots.m.u[0] = NaN), /slot m of "u" has an invalid entry NaN/],
      ['plain array', (s) => ((s.slots.m as Record<string, unknown>).u = [0, 0]), /not a Float64Array/],
    ];
    for (const [, spoil, message] of bad) {
      const s = good();
      spoil(s);
      expect(() => restoreOptimizer(s)).toThrow(UserError);
      expect(() => restoreOptimizer(s)).toThrow(message);
    }
    expect(() => restoreOptimizer(good())).not.toThrow();
  });

  it('step() refuses a restored slot that does not fit its parameter, and a missing gradient', () => {
    const s = makeOptimizer('rmsprop').state();
    s.slots.sq.w = new Float64Array(5);
    expect(() => restoreOptimizer(s).step(initialParams(), gradsAt(0), 0.1)).toThrow(/slot sq of "w" has 5 entries, the parameter 12/);
    const g = gradsAt(0);
    delete g.b;
    expect(() => makeOptimizer('adam').step(initialParams(), g, 0.1)).toThrow(/no gradient for parameter "b"/);
  });
});

describe('makeOptimizer', () => {
  it('fills in the defaults and checks names and hyperparameters (UserError)', () => {
    expect(makeOptimizer('rmsprop').hyper).toEqual({ alpha: 0.95, eps: 1e-8 });
    expect(makeOptimizer('adam', { beta2: 0.99 }).hyper).toEqual({ beta1: 0.9, beta2: 0.99, eps: 1e-8 });
    expect(() => makeOptimizer('sgd' as OptimName)).toThrow(UserError);
    expect(() => makeOptimizer('adagrad', { alpha: 0.9 })).toThrow(/adagrad has no hyperparameter "alpha"/);
    expect(() => makeOptimizer('rmsprop', { alpha: 1.5 })).toThrow(UserError);
    expect(() => makeOptimizer('adam', { eps: -1 })).toThrow(UserError);
    expect(() => makeOptimizer('adam', { eps: Number.NaN })).toThrow(UserError);
  });
});

describe('clipGlobalNorm against torch.nn.utils.clip_grad_norm_', () => {
  it.each(fx.clip.map((c) => [c.label, c] as const))('the norm %s max_norm', (_, c) => {
    const g = gradsAt(0);
    expect(clipGlobalNorm(g, c.maxNorm)).toBeAllClose(c.norm, { rtol: 1e-14 });
    for (const [k, want] of Object.entries(c.clipped)) expect(g[k].data).toBeAllClose(want, { rtol: 1e-13, atol: 1e-16 });
  });

  it('the fixture includes a norm up to 1e-6 below max_norm, which PyTorch still scales', () => {
    const c = fx.clip.find((x) => x.maxNorm > x.norm && x.maxNorm < x.norm + 1e-6)!;
    expect(c.clipped.w[0]).not.toBe(fx.grads[0].w[0]);
  });

  it('does not overflow for huge entries, and leaves non-finite gradients alone', () => {
    const huge = { a: Tensor.fromArray([3e200]), b: Tensor.fromArray([-4e200]) };
    expect(clipGlobalNorm(huge, 1)).toBeAllClose(5e200, { rtol: 1e-15 });
    expect(huge.a.data[0]).toBeAllClose(0.6, { rtol: 1e-12 });
    expect(huge.b.data[0]).toBeAllClose(-0.8, { rtol: 1e-12 });
    for (const bad of [Number.NaN, Infinity]) {
      const g = { a: Tensor.fromArray([1, 2]), b: Tensor.fromArray([bad]) };
      expect(Number.isFinite(clipGlobalNorm(g, 1))).toBe(false);
      expect(Array.from(g.a.data)).toEqual([1, 2]);
    }
  });
});

describe('clipElementwise', () => {
  it('clips every entry to [−c, c] and counts the entries it cut', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 30 }), (seed, n) => {
        const rng = new Rng(seed);
        const c = 0.5 + rng.uniform() * 5;
        const g = { x: Tensor.randn([n], rng, 5), y: Tensor.randn([2, n], rng, 5) };
        const before = [...g.x.data, ...g.y.data];
        const cut = clipElementwise(g, c);
        expect([...g.x.data, ...g.y.data]).toEqual(before.map((v) => Math.min(c, Math.max(-c, v))));
        expect(cut).toBe(before.filter((v) => Math.abs(v) > c).length);
      }),
      { numRuns: 50 },
    );
  });
});

describe('allFinite', () => {
  it('is false as soon as one entry is NaN or ±∞, anywhere', () => {
    const g = (): Grads => ({
      a: Tensor.fromArray([1, -2, 3]),
      b: Tensor.fromArray([
        [0, 1e308],
        [-1e308, 5],
      ]),
    });
    expect(allFinite(g())).toBe(true);
    expect(allFinite({})).toBe(true);
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      for (const [k, i] of [
        ['a', 0],
        ['b', 3],
      ] as const) {
        const x = g();
        x[k].data[i] = bad;
        expect(allFinite(x)).toBe(false);
      }
    }
  });
});

describe('learningRate', () => {
  /** char-rnn's train.lua: at the end of each epoch e (1-based) with e ≥ decayAfter, lr ← lr·decay. */
  function charRnnRates(lr: number, decay: number, decayAfter: number, epochs: number): number[] {
    const rates: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      rates.push(lr); // the rate used throughout epoch `epoch` (0-based)
      const e = epoch + 1; // the epoch that just ended, 1-based
      if (e >= decayAfter) lr *= decay;
    }
    return rates;
  }

  it("is the rate char-rnn's loop uses in each epoch", () => {
    for (const [lr, decay, decayAfter] of [
      [2e-3, 0.97, 10],
      [0.1, 0.5, 3],
      [1, 0.9, 1],
      [1, 0.9, 0],
      [0.01, 1, 10],
      [0.5, 0.95, 50],
    ]) {
      const want = charRnnRates(lr, decay, decayAfter, 60);
      const got = want.map((_, epoch) => learningRate({ lr, decay, decayAfter }, epoch));
      expect(got).toBeAllClose(want, { rtol: 1e-13 });
    }
  });

  it('by hand: halving after epoch 10', () => {
    const s = { lr: 1, decay: 0.5, decayAfter: 10 };
    expect([0, 8, 9, 10, 11, 12].map((e) => learningRate(s, e))).toEqual([1, 1, 1, 0.5, 0.25, 0.125]);
  });

  it('refuses a non-positive rate, a decay outside (0, 1] and a fractional epoch', () => {
    expect(() => learningRate({ lr: 0, decay: 0.97, decayAfter: 10 }, 0)).toThrow(UserError);
    expect(() => learningRate({ lr: 0.1, decay: 0, decayAfter: 10 }, 0)).toThrow(UserError);
    expect(() => learningRate({ lr: 0.1, decay: 1.1, decayAfter: 10 }, 0)).toThrow(UserError);
    expect(() => learningRate({ lr: 0.1, decay: 0.97, decayAfter: -1 }, 0)).toThrow(UserError);
    expect(() => learningRate({ lr: 0.1, decay: 0.97, decayAfter: 10 }, 1.5)).toThrow();
  });
});
