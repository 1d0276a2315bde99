// The fast model (src/fast/model.ts) against the hand-derived models (manual/stack.ts and the
// *.manual.ts cells, themselves checked against the tape, finite differences and PyTorch): the same
// loss, gradients and carried state, on random shapes, with and without dropout, for each kernel
// set available. float64 with the reference kernels must agree to rounding (1e-11 relative);
// float32 to float32's precision (2e-4 of the model's largest gradient entry; states to 2e-4 absolute).
// FC_RUNS=N runs more cases.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { type DType, type FastKernels, referenceKernels } from '../../src/fast/kernels.ts';
import { FastCharRNN, fastModelBytes } from '../../src/fast/model.ts';
import { applyUpdate, clipGrads } from '../../src/fast/update.ts';
import { charWellScaledParams } from '../../src/gradcheck/charrnn.ts';
import { charLossAndGrads } from '../../src/models/charrnn.paths.ts';
import { type Batch, CELL_KINDS, type CellKind, type CharRNNConfig, dropoutMasks, type State } from '../../src/models/charrnn.ts';

const k64 = (label: string): DType => (label.includes('f64') ? 'f64' : 'f32');

import { kernelSets } from './sets.ts';

function makeCase(kind: CellKind, L: number, H: number, V: number, T: number, B: number, seed: number, dropout: number) {
  const config: CharRNNConfig = { kind, vocabSize: V, hiddenSize: H, layers: L };
  const rng = new Rng(seed);
  const p = charWellScaledParams(config, rng);
  const ids = (): number[] => Array.from({ length: T * B }, () => rng.int(V));
  const batch: Batch = { inputs: ids(), targets: ids(), T, B };
  const draw = (scale: number) => Array.from({ length: L }, () => Float64Array.from({ length: B * H }, () => scale * (2 * rng.uniform() - 1)));
  const state: State = { h: draw(0.5), c: kind === 'lstm' ? draw(1) : [] };
  return { config, p, batch, state, masks: dropoutMasks(config, T, B, dropout, rng) };
}

/** max |a − b| / max(max |b|, tiny): the error relative to the array's scale. */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    m = 1e-30;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

function check(k: FastKernels, tol: number, kind: CellKind, L: number, H: number, V: number, T: number, B: number, seed: number, dropout: number): void {
  const c = makeCase(kind, L, H, V, T, B, seed, dropout);
  if (k.dtype === 'f32') {
    // The reference runs in float64 on the values the float32 model actually holds, so that what
    // is compared is the float32 arithmetic, not the rounding of the inputs.
    for (const t of Object.values(c.p)) t.data.set(Float32Array.from(t.data));
    for (const x of [...c.state.h, ...c.state.c, ...(c.masks ?? [])]) x.set(Float32Array.from(x));
  }
  const ref = charLossAndGrads('manual', c.p, c.batch, c.state, c.masks);
  const m = new FastCharRNN(k, { config: c.config, B, T, optim: 'rmsprop', dropout: dropout > 0 });
  m.setParams(c.p);
  m.setState(c.state);
  const loss = m.run(c.batch, c.masks, true);
  expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(tol);
  // float32: a gradient that is a sum of terms which nearly cancel carries the rounding error of
  // those terms, not of its own small value (a 3-layer H = 1 RNN's bias gradient missed 2e-4 of its
  // own size by 3×). The terms' scale is the model's gradient scale, so in float32 every gradient is
  // measured against the largest entry of all of them; float64 stays per parameter.
  const modelScale = Math.max(...Object.values(ref.grads).map((g) => g.data.reduce((a, x) => Math.max(a, Math.abs(x)), 0)));
  for (const name of Object.keys(ref.grads)) {
    const refG = ref.grads[name].data;
    const err =
      k.dtype === 'f32' ? (scaledError(m.grads[name], refG) * Math.max(...Array.from(refG, Math.abs), 1e-30)) / modelScale : scaledError(m.grads[name], refG);
    if (!(err < tol)) throw new Error(`${kind} ${name}: gradient error ${err} ≥ ${tol}`);
  }
  // States: h is in (−1, 1) and c of order 1, so their error is absolute (relative to at least 1); a
  // state that is nearly 0 after a cancelling sum would otherwise make a rounding error look large.
  const s = m.getState();
  const stateError = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    (scaledError(a, b) * Math.max(...Array.from(b, Math.abs), 1e-30)) / Math.max(...Array.from(b, Math.abs), 1);
  for (let l = 0; l < L; l++) {
    expect(stateError(s.h[l], ref.state.h[l])).toBeLessThan(tol);
    if (kind === 'lstm') expect(stateError(s.c[l], ref.state.c[l])).toBeLessThan(tol);
  }
}

const shapes = fc.record({
  L: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 9 }),
  V: fc.integer({ min: 2, max: 9 }),
  T: fc.integer({ min: 1, max: 5 }),
  B: fc.integer({ min: 1, max: 4 }),
  seed: fc.nat(),
  dropout: fc.constantFrom(0, 0.3),
});

// float32: measured so (see check), 72,000 random cases all stayed below 1e-5, so 2e-4 leaves a
// margin of 20. (Measured per gradient and per state entry, cancelling cases reached 6.6e-4.)
const TOL: Record<DType, number> = { f64: 1e-11, f32: 2e-4 };

describe('fast model == hand-derived model', () => {
  for (const set of kernelSets()) {
    for (const kind of CELL_KINDS) {
      it(`${set.label}: ${kind} on random shapes`, () => {
        fc.assert(
          fc.property(shapes, ({ L, H, V, T, B, seed, dropout }) => {
            const k = set.make(1 << 22);
            try {
              check(k, TOL[k.dtype], kind, L, H, V, T, B, seed, dropout);
            } finally {
              k.dispose();
            }
          }),
          { numRuns: Number(process.env.FC_RUNS ?? 25) },
        );
      });
    }
  }

  it('the char-rnn shape (2×128, B 50, T 50, V 65), reference f64 kernels', () => {
    for (const kind of CELL_KINDS) check(referenceKernels('f64'), 1e-11, kind, 2, 128, 65, 50, 50, 7, 0);
  });

  for (const set of kernelSets().filter((s) => s.label.startsWith('wasm'))) {
    it(`the char-rnn shape (2×128, B 50, T 50, V 65), ${set.label}`, () => {
      for (const kind of CELL_KINDS) {
        const shape = { config: { kind, vocabSize: 65, hiddenSize: 128, layers: 2 }, B: 50, T: 50, optim: 'rmsprop' as const, dropout: true };
        const k = set.make(fastModelBytes(shape, k64(set.label)));
        try {
          check(k, TOL[k.dtype], kind, 2, 128, 65, 50, 50, 7, 0.25);
        } finally {
          k.dispose();
        }
      }
    });
  }
});

describe('fast model: a training step', () => {
  it('refuses ids outside the vocabulary instead of reading another array', () => {
    const c = makeCase('gru', 1, 3, 4, 2, 2, 1, 0);
    for (const set of kernelSets()) {
      const k = set.make(1 << 20);
      try {
        const m = new FastCharRNN(k, { config: c.config, B: 2, T: 2, optim: 'adam', dropout: false });
        expect(() => m.run({ ...c.batch, targets: [0, 1, 4, 2] }, undefined, true)).toThrow(/id 4 is out of range/);
        expect(() => m.run({ ...c.batch, inputs: [0, -1, 3, 2] }, undefined, true)).toThrow(/id -1 is out of range/);
      } finally {
        k.dispose();
      }
    }
  });

  it('update() applies optim.ts formulas (rmsprop, adam, adagrad) like the reference optimizers', async () => {
    const { makeOptimizer, clipElementwise } = await import('../../src/optim/optim.ts');
    for (const optim of ['rmsprop', 'adam', 'adagrad'] as const) {
      const c = makeCase('lstm', 2, 5, 6, 4, 3, 11, 0);
      const m = new FastCharRNN(referenceKernels('f64'), { config: c.config, B: 3, T: 4, optim, dropout: false });
      m.setParams(c.p);
      const opt = makeOptimizer(optim);
      let state = c.state;
      m.setState(state);
      for (let i = 0; i < 3; i++) {
        const ref = charLossAndGrads('manual', c.p, c.batch, state, undefined);
        clipElementwise(ref.grads, 0.01);
        opt.step(c.p, ref.grads, 0.05);
        state = ref.state;
        m.run(c.batch, undefined, true);
        clipGrads(m, 'value', 0.01);
        applyUpdate(m, 0.05, opt.hyper);
      }
      const got = m.getParams();
      for (const name of Object.keys(c.p)) expect(scaledError(got[name].data, c.p[name].data)).toBeLessThan(1e-9);
    }
  });
});
