// The tape on the WebAssembly backend (src/fast/tape.ts) against the tape on the reference
// TypeScript kernels: for every primitive op and the composites, on shapes and seeds fast-check
// draws, the forward value and the gradient of every input must agree to float64 rounding; the
// same for char-rnn's three models (with and without dropout) and in the Trainer, where a resumed
// run must also be bit-for-bit the uninterrupted one. Plus the arena: results live in WebAssembly
// memory, reset() reuses it, a step too big for it is rerun on a larger one with the same result.
// The example cells (examples/cells) are checked on this backend by test/examples/cells.test.ts.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as E from '../../src/engine/index.ts';
import { Rng, Tensor, tsKernels } from '../../src/engine/index.ts';
import { ArenaFullError, type WasmTapeBackend, wasmTapeBackend } from '../../src/fast/tape.ts';
import { TapeRunner } from '../../src/fast/tape-runner.ts';
import { decodeCheckpoint, encodeCheckpoint, Trainer, type TrainerOptions } from '../../src/index.ts';
import { charLossAndGrads } from '../../src/models/charrnn.paths.ts';
import { CELL_KINDS, dropoutMasks, initParams, type Params, zeroState } from '../../src/models/charrnn.ts';
import { makeOptimizer, OPTIMIZERS } from '../../src/optim/optim.ts';
import type { VectorMemory } from '../../src/optim/vector.ts';
import { arbSeed, signedUniform } from '../engine/numeric.ts';
import { wasmSupport } from './sets.ts';

/** Float64 rounding: the products sum in another order, everything else is the same loop. */
const ROUNDING = 1e-12;

/** |a − b| ≤ tol·max|b| everywhere (a scale-relative bound: sums may cancel to near 0). */
function expectClose(a: Tensor | Float64Array, b: Tensor | Float64Array, what: string, tol = ROUNDING): void {
  const x = a instanceof Tensor ? a.data : a,
    y = b instanceof Tensor ? b.data : b;
  expect(x.length, what).toBe(y.length);
  let scale = 0;
  for (const v of y) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < y.length; i++) {
    if (!(Math.abs(x[i] - y[i]) <= tol * scale)) throw new Error(`${what}: index ${i} is ${x[i]} on the wasm tape, ${y[i]} on the ts tape (scale ${scale})`);
  }
}

/** Leaves on `be` (placed) or the reference backend, the same values. */
const onBackend = (xs: Tensor[], be: WasmTapeBackend | null) => xs.map((x) => (be ? be.place(x) : x.detach()).asParam());

/** Value and input gradients of Σ f(xs) ⊙ R, R a random upstream gradient. */
function valueAndInputGrads(f: (xs: Tensor[]) => Tensor, xs: Tensor[], be: WasmTapeBackend | null, seed: number) {
  be?.reset();
  const leaves = onBackend(xs, be);
  const y = f(leaves);
  const R = Tensor.randn(y.shape, new Rng(seed), 1);
  E.backward(E.sum(E.mul(y, R)));
  return { y: y.data.slice(), grads: leaves.map((l) => l.grad?.data.slice() ?? null), yBackend: y.backend, yData: y.data };
}

interface OpCase {
  name: string;
  /** Inputs for one seed: shapes drawn from it. */
  inputs(rng: Rng): Tensor[];
  f(xs: Tensor[]): Tensor;
}

const dim = (rng: Rng, max = 5) => 1 + Math.floor(rng.uniform() * max);
const ids = (rng: Rng, n: number, below: number) => Array.from({ length: n }, () => Math.floor(rng.uniform() * below));
/** Two operands of a binary op in one of the broadcast patterns the models use, or a general one. */
function pair(rng: Rng, positiveB = false): Tensor[] {
  const m = dim(rng),
    n = dim(rng);
  const shapes: [number[], number[]][] = [
    [
      [m, n],
      [m, n],
    ],
    [[m, n], [n]],
    [
      [m, n],
      [m, 1],
    ],
    [
      [m, 1, n],
      [dim(rng), 1],
    ],
    [[m, n], []],
  ];
  const [as, bs] = shapes[Math.floor(rng.uniform() * shapes.length)];
  return rng.uniform() < 0.5
    ? [Tensor.randn(as, rng), positiveB ? signedUniform(bs, rng) : Tensor.randn(bs, rng)]
    : [Tensor.randn(bs, rng), positiveB ? signedUniform(as, rng) : Tensor.randn(as, rng)];
}
const matrix = (rng: Rng, m = dim(rng, 7), n = dim(rng, 7)) => Tensor.randn([m, n], rng);

const OPS: OpCase[] = [
  { name: 'add', inputs: (r) => pair(r), f: ([a, b]) => E.add(a, b) },
  { name: 'sub', inputs: (r) => pair(r), f: ([a, b]) => E.sub(a, b) },
  { name: 'mul', inputs: (r) => pair(r), f: ([a, b]) => E.mul(a, b) },
  { name: 'div', inputs: (r) => pair(r, true), f: ([a, b]) => E.div(a, b) },
  { name: 'add a number', inputs: (r) => [matrix(r)], f: ([a]) => E.sub(1, E.mul(a, 2.5)) },
  { name: 'neg', inputs: (r) => [matrix(r)], f: ([a]) => E.neg(a) },
  { name: 'exp', inputs: (r) => [matrix(r)], f: ([a]) => E.exp(a) },
  {
    name: 'log',
    inputs: (r) => {
      const s = [dim(r), dim(r)];
      return [new Tensor(signedUniform(s, r).data.map(Math.abs), s)];
    },
    f: ([a]) => E.log(a),
  },
  { name: 'tanh', inputs: (r) => [matrix(r)], f: ([a]) => E.tanh(a) },
  { name: 'sigmoid', inputs: (r) => [matrix(r)], f: ([a]) => E.sigmoid(a) },
  { name: 'relu', inputs: (r) => [matrix(r)], f: ([a]) => E.relu(a) },
  { name: 'clamp', inputs: (r) => [matrix(r)], f: ([a]) => E.clamp(a, -0.5, 0.7) },
  {
    name: 'matmul',
    inputs: (r) => {
      const [m, k, n] = [dim(r, 9), dim(r, 9), dim(r, 9)];
      return [Tensor.randn([m, k], r), Tensor.randn([k, n], r)];
    },
    f: ([a, b]) => E.matmul(a, b),
  },
  {
    name: 'matmul reused over steps (product gradients summed as one)',
    inputs: (r) => {
      const [m, k, n] = [dim(r), dim(r, 9), dim(r, 9)];
      return [Tensor.randn([3 * m, k], r), Tensor.randn([k, n], r)];
    },
    f: ([a, W]) => {
      const m = a.shape[0] / 3;
      return E.concat(
        [0, 1, 2].map((t) => E.tanh(E.matmul(E.slice(a, 0, t * m, (t + 1) * m), W))),
        0,
      );
    },
  },
  { name: 'transpose', inputs: (r) => [matrix(r)], f: ([a]) => E.transpose(a) },
  {
    name: 'linear',
    inputs: (r) => {
      const [m, k, n] = [dim(r), dim(r), dim(r)];
      return [Tensor.randn([m, k], r), Tensor.randn([n, k], r), Tensor.randn([n], r)];
    },
    f: ([x, W, b]) => E.linear(x, W, b),
  },
  { name: 'sum', inputs: (r) => [matrix(r)], f: ([a]) => E.sum(a) },
  { name: 'sum over an axis', inputs: (r) => [Tensor.randn([dim(r), dim(r), dim(r)], r)], f: ([a]) => E.sum(a, 1) },
  { name: 'mean', inputs: (r) => [matrix(r)], f: ([a]) => E.mean(a, 0) },
  { name: 'reshape', inputs: (r) => [Tensor.randn([2, 3 * dim(r)], r)], f: ([a]) => E.tanh(E.reshape(a, [3, -1])) },
  { name: 'slice along axis 0', inputs: (r) => [matrix(r, 6)], f: ([a]) => E.slice(a, 0, 1, 4) },
  { name: 'slice along axis 1', inputs: (r) => [matrix(r, 4, 6)], f: ([a]) => E.slice(a, 1, 2, 5) },
  {
    name: 'concat',
    inputs: (r) => {
      const m = dim(r);
      return [Tensor.randn([m, dim(r)], r), Tensor.randn([m, dim(r)], r)];
    },
    f: ([a, b]) => E.concat([a, b, a], 1),
  },
  // blocks of rows between two strides (copyRows): an axis with axes on both sides
  { name: 'slice along the middle axis', inputs: (r) => [Tensor.randn([dim(r), 6, dim(r)], r)], f: ([a]) => E.slice(a, 1, 1, 4) },
  {
    name: 'concat along the middle axis',
    inputs: (r) => {
      const [m, k] = [dim(r), dim(r)];
      return [Tensor.randn([m, dim(r), k], r), Tensor.randn([m, dim(r), k], r)];
    },
    f: ([a, b]) => E.concat([b, a, b], 1),
  },
  { name: 'gatherRows', inputs: (r) => [matrix(r, 5)], f: ([a]) => E.gatherRows(a, [4, 0, 4, 2, 1, 4]) },
  { name: 'softmaxCrossEntropy', inputs: (r) => [matrix(r, 6, 5)], f: ([a]) => E.softmaxCrossEntropy(a, ids(new Rng(a.size), 6, 5)) },
  { name: 'logSoftmax', inputs: (r) => [matrix(r)], f: ([a]) => E.logSoftmax(a) },
  { name: 'softmax', inputs: (r) => [matrix(r)], f: ([a]) => E.softmax(a) },
];

/** Compares one op on both backends; `ref` may be a broken backend to show the check can fail. */
function compareOp(op: OpCase, seed: number, be: WasmTapeBackend): void {
  const xs = op.inputs(new Rng(seed));
  const ts = valueAndInputGrads(op.f, xs, null, seed + 1);
  const wasm = valueAndInputGrads(op.f, xs, be, seed + 1);
  expect(wasm.yBackend).toBe(be);
  expectClose(wasm.y, ts.y, `${op.name}: value`);
  xs.forEach((_, i) => {
    const [g, r] = [wasm.grads[i], ts.grads[i]];
    if (g === null || r === null) throw new Error(`${op.name}: no gradient for input ${i}`);
    expectClose(g, r, `${op.name}: gradient of input ${i}`);
  });
}

describe.runIf(wasmSupport.ok)('the tape on the WebAssembly backend equals the tape on the TypeScript kernels', () => {
  const be = wasmTapeBackend({ arenaBytes: 8 << 20, placedBytes: 64 << 20 });

  it.each(OPS.map((o) => [o.name, o] as const))('%s: value and every input gradient, on random shapes', (_name, op) => {
    fc.assert(
      fc.property(arbSeed, (seed) => compareOp(op, seed, be)),
      { numRuns: 25 },
    );
  });

  it('the check fails for a backend with a planted bug (a chain rule off by one part in 10⁹)', () => {
    const broken: WasmTapeBackend = {
      ...be,
      chain: (dy, x, y, f) => be.chain(dy, x, y, (u, v) => f(u, v) * (1 + 1e-9)),
      place: (t) => Tensor.on(broken, be.place(t).data, t.shape),
    };
    expect(() => compareOp(OPS.find((o) => o.name === 'tanh')!, 3, broken)).toThrow(/tanh: gradient of input 0/);
    expect(() => compareOp(OPS.find((o) => o.name === 'tanh')!, 3, be)).not.toThrow();
  });

  it('results live in WebAssembly memory, and reset() reuses the same memory for the next step', () => {
    const op = OPS.find((o) => o.name === 'matmul reused over steps (product gradients summed as one)')!;
    const xs = op.inputs(new Rng(9));
    const first = valueAndInputGrads(op.f, xs, be, 10);
    expect(first.yData.buffer).toBe(be.kernels.memory.buffer);
    const high = be.highWater();
    const second = valueAndInputGrads(op.f, xs, be, 10);
    expect(second.yData.byteOffset).toBe(first.yData.byteOffset); // the same arrays, step after step
    expect(be.highWater()).toBe(high);
    expect(second.y).toEqual(first.y);
  });

  it('inputs on two different WebAssembly backends are refused, naming the op', () => {
    const other = wasmTapeBackend({ arenaBytes: 1 << 16, placedBytes: 1 << 12 });
    try {
      const a = be.place(Tensor.ones([2, 2])),
        b = other.place(Tensor.ones([2, 2]));
      expect(() => E.add(a, b)).toThrow(/add: its inputs are on two backends/);
    } finally {
      other.dispose();
    }
  });

  it('a step too big for the arena throws ArenaFullError; TapeRunner reruns it on a larger arena with the same result', () => {
    const config = { kind: 'lstm' as const, vocabSize: 7, hiddenSize: 6, layers: 2 };
    const p = initParams(config, new Rng(3));
    const batch = { inputs: ids(new Rng(4), 20, 7), targets: ids(new Rng(5), 20, 7), T: 5, B: 4 };
    const tiny = wasmTapeBackend({ arenaBytes: 4096, placedBytes: 1 << 16 });
    try {
      const q = Object.fromEntries(Object.entries(p).map(([k, t]) => [k, tiny.place(t)]));
      expect(() => charLossAndGrads('tape', q, batch, zeroState(config, 4))).toThrow(ArenaFullError);
    } finally {
      tiny.dispose();
    }
    const runner = new TapeRunner(p, 1, 4096);
    try {
      const out = runner.run((q) => charLossAndGrads('tape', q, batch, zeroState(config, 4)));
      expect(runner.backend.arenaBytes).toBeGreaterThan(4096);
      const ref = charLossAndGrads('tape', p, batch, zeroState(config, 4));
      expect(Math.abs(out.loss - ref.loss)).toBeLessThan(ROUNDING);
      for (const k of Object.keys(ref.grads)) expectClose(out.grads[k], ref.grads[k], k);
      for (const [k, t] of Object.entries(runner.views())) {
        expect(t.backend).toBe(tsKernels);
        expect(t.data).toEqual(p[k].data);
      }
    } finally {
      runner.dispose();
    }
  });

  it("an optimizer given to the runner keeps its slots in the backend's memory, moves with the parameters when the arena grows, and updates them bit for bit as the readable loops do", () => {
    const config = { kind: 'gru' as const, vocabSize: 7, hiddenSize: 5, layers: 2 };
    const p = initParams(config, new Rng(11));
    const small = { inputs: ids(new Rng(12), 4, 7), targets: ids(new Rng(13), 4, 7), T: 2, B: 2 };
    const big = { inputs: ids(new Rng(14), 60, 7), targets: ids(new Rng(15), 60, 7), T: 10, B: 6 }; // needs more than the first arena
    for (const name of OPTIMIZERS) {
      const onWasm = makeOptimizer(name),
        onHeap = makeOptimizer(name);
      const moves: VectorMemory[] = [];
      const runner = new TapeRunner(p, 1, 1 << 17, { name, moveTo: (m) => (moves.push(m), onWasm.moveTo(m)) });
      const heapParams: Params = Object.fromEntries(Object.entries(p).map(([k, t]) => [k, t.clone()]));
      try {
        for (const batch of [small, big, small]) {
          const { grads } = runner.run((q) => charLossAndGrads('tape', q, batch, zeroState(config, batch.B)));
          // the same gradients on the JavaScript heap, for the readable loops
          const heapGrads: Params = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.clone()]));
          onWasm.step(runner.params, grads, 0.01);
          onHeap.step(heapParams, heapGrads, 0.01);
          for (const k of Object.keys(p)) expect(Array.from(runner.params[k].data), `${name} ${k}`).toEqual(Array.from(heapParams[k].data));
        }
        expect(runner.backend.arenaBytes).toBeGreaterThan(1 << 17);
        expect(moves.length).toBeGreaterThanOrEqual(2); // placed, then moved when the big batch did not fit
        expect(moves.at(-1)).toBe(runner.backend.lasting);
        expect(onWasm.state()).toEqual(onHeap.state());
      } finally {
        runner.dispose();
      }
    }
  });

  const models = fc.record({
    kind: fc.constantFrom(...CELL_KINDS),
    V: fc.integer({ min: 2, max: 7 }),
    H: fc.integer({ min: 1, max: 6 }),
    L: fc.integer({ min: 1, max: 3 }),
    T: fc.integer({ min: 1, max: 5 }),
    B: fc.integer({ min: 1, max: 4 }),
    dropout: fc.constantFrom(0, 0.3),
    seed: arbSeed,
  });

  it("char-rnn's RNN, LSTM and GRU: loss, every parameter's gradient and the new state (random sizes, dropout)", () => {
    fc.assert(
      fc.property(models, ({ kind, V, H, L, T, B, dropout, seed }) => {
        const config = { kind, vocabSize: V, hiddenSize: H, layers: L };
        const rng = new Rng(seed);
        const p = initParams(config, rng, 0.5);
        const batch = { inputs: ids(rng, T * B, V), targets: ids(rng, T * B, V), T, B };
        const state = zeroState(config, B);
        for (const a of [...state.h, ...state.c]) for (let i = 0; i < a.length; i++) a[i] = rng.normal() * 0.5;
        const masks = dropoutMasks(config, T, B, dropout, rng);
        const ref = charLossAndGrads('tape', p, batch, state, masks);
        const runner = new TapeRunner(p, 1, 1 << 16);
        try {
          const out = runner.run((q) => charLossAndGrads('tape', q, batch, state, masks));
          expect(Math.abs(out.loss - ref.loss)).toBeLessThanOrEqual(ROUNDING * ref.loss);
          for (const k of Object.keys(p)) expectClose(out.grads[k], ref.grads[k], `${kind} ${k}`);
          out.state.h.forEach((h, l) => expectClose(h, ref.state.h[l], `${kind} h${l}`));
          out.state.c.forEach((c, l) => expectClose(c, ref.state.c[l], `${kind} c${l}`));
        } finally {
          runner.dispose();
        }
      }),
      { numRuns: 40 },
    );
  });

  it.runIf(wasmSupport.threads)('on a two-thread kernel set (products of 1 MFLOP and more may be split): the same gradients', () => {
    const config = { kind: 'lstm' as const, vocabSize: 11, hiddenSize: 64, layers: 2 };
    const rng = new Rng(8);
    const p: Params = initParams(config, rng);
    const batch = { inputs: ids(rng, 4 * 32, 11), targets: ids(rng, 4 * 32, 11), T: 4, B: 32 };
    const ref = charLossAndGrads('tape', p, batch, zeroState(config, 32));
    const runner = new TapeRunner(p, 2, 1 << 24);
    try {
      const out = runner.run((q) => charLossAndGrads('tape', q, batch, zeroState(config, 32)));
      expect(runner.backend.kernels.threads).toBe(2);
      for (const k of Object.keys(p)) expectClose(out.grads[k], ref.grads[k], k);
    } finally {
      runner.dispose();
    }
  });
});

const TEXT = readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 40_000);
const SMALL: Partial<TrainerOptions> = { model: 'gru', layers: 2, hidden: 16, seqLength: 12, batchSize: 6, seed: 3, grad: 'tape' };

describe.runIf(wasmSupport.ok)('the Trainer with --grad tape on the WebAssembly kernels', () => {
  const bits = (t: Trainer) => Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, Array.from(v.data)]));
  const run = (t: Trainer, n: number) => Array.from({ length: n }, () => t.step());

  it('runs on the tape backend, and its steps track the TypeScript tape to rounding', () => {
    const ts = Trainer.fromText(TEXT, { ...SMALL, kernels: 'ts' });
    const wasm = Trainer.fromText(TEXT, { ...SMALL, kernels: 'wasm', threads: 1 });
    try {
      expect(ts.engine).toBe('ts f64 (tape)');
      expect(wasm.engine).toBe('wasm f64 (tape)');
      const [a, b] = [run(ts, 5), run(wasm, 5)];
      // RMSprop divides by √(mean g²): rounding differences in tiny gradients grow step by step; stated bound 1e-9 after 5 steps
      a.forEach((l, i) => expect(Math.abs(l - b[i])).toBeLessThan(i === 0 ? ROUNDING : 1e-9));
      for (const [k, v] of Object.entries(wasm.params)) expectClose(v, ts.params[k], k, 1e-9);
      expect(Math.abs(wasm.validate() - ts.validate())).toBeLessThan(1e-9);
      expect(wasm.sample(20)).toBe(ts.sample(20));
    } finally {
      ts.dispose();
      wasm.dispose();
    }
  });

  it('a resumed run is bit-for-bit the uninterrupted one (dropout, Adam, norm clipping)', () => {
    const opts = { ...SMALL, kernels: 'wasm' as const, threads: 1 as const, dropout: 0.2, optim: 'adam' as const, clipMode: 'norm' as const, clip: 1 };
    const straight = Trainer.fromText(TEXT, opts);
    const first = Trainer.fromText(TEXT, opts);
    try {
      run(straight, 12);
      run(first, 7);
      const resumed = Trainer.fromCheckpoint(TEXT, decodeCheckpoint(encodeCheckpoint(first.checkpoint(), 'F64'), 'test checkpoint'));
      try {
        expect(resumed.engine).toBe('wasm f64 (tape)');
        run(resumed, 5);
        expect(bits(resumed)).toEqual(bits(straight));
        expect(resumed.state).toEqual(straight.state);
      } finally {
        resumed.dispose();
      }
    } finally {
      straight.dispose();
      first.dispose();
    }
  });

  it('float32 on the tape is still refused, with one line that says why', () => {
    expect(() => Trainer.fromText(TEXT, { ...SMALL, kernels: 'wasm', dtype: 'f32' })).toThrow(/the tape computes in float64/);
  });
});
