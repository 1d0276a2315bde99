// A step split by streams (src/fast/passes.ts, programs.ts): the B streams are cut into groups by B
// alone, each group's passes recorded as a program of kernel calls, the programs run one per thread,
// and the groups' gradients added in group order. Whichever way a step runs (one thread; two threads
// split by streams; two threads sharing every product), every bit must be the same: the loss, the
// gradients, the carried state, the parameters after the update, and the evaluation loss.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { streamGroups } from '../../src/fast/arrays.ts';
import { FastCharRNN, fastModelBytes } from '../../src/fast/model.ts';
import { applyUpdate, clipGrads } from '../../src/fast/update.ts';
import { type WasmKernels, wasmKernels } from '../../src/fast/wasm.ts';
import { CELL_KINDS, type CellKind, dropoutMasks, initParams } from '../../src/models/charrnn.ts';
import { OPTIM_DEFAULTS } from '../../src/optim/optim.ts';
import { wasmSupport } from './sets.ts';

describe('streamGroups', () => {
  it('cuts B into two groups by B alone, the first a multiple of 5 near half; B below 10 is one group', () => {
    expect(streamGroups(1)).toEqual([[0, 1]]);
    expect(streamGroups(9)).toEqual([[0, 9]]);
    expect(streamGroups(10)).toEqual([
      [0, 5],
      [5, 5],
    ]);
    expect(streamGroups(13)).toEqual([
      [0, 5],
      [5, 8],
    ]);
    expect(streamGroups(32)).toEqual([
      [0, 15],
      [15, 17],
    ]);
    expect(streamGroups(50)).toEqual([
      [0, 25],
      [25, 25],
    ]);
  });
});

type Way = { label: string; threads: 1 | 2; streams?: 'always' | 'never' };
const WAYS: Way[] = [
  { label: 'one thread', threads: 1 },
  { label: 'two threads, split by streams', threads: 2, streams: 'always' },
  { label: 'two threads, every product shared', threads: 2, streams: 'never' },
];

/** Three training steps (dropout, clipping, RMSprop) and an evaluation; every number they leave, as bits. */
async function steps(way: Way, dtype: 'f32' | 'f64', kind: CellKind, L: number, H: number, B: number, T: number, dropout: boolean) {
  const V = 67;
  const config = { kind, vocabSize: V, hiddenSize: H, layers: L };
  const shape = { config, B, T, optim: 'rmsprop' as const, dropout };
  const k = wasmKernels({ dtype, threads: way.threads, bytes: fastModelBytes(shape, dtype), adaptiveThreads: false, streams: way.streams });
  const rng = new Rng(3);
  try {
    expect(await k.whenThreadsReady()).toBe(way.threads === 2);
    const m = new FastCharRNN(k, shape);
    m.setParams(initParams(config, rng));
    const out: number[][] = [];
    const bits = (a: ArrayLike<number>) =>
      Array.from(dtype === 'f32' ? new Uint32Array(Float32Array.from(a).buffer) : new Uint32Array(Float64Array.from(a).buffer));
    for (let i = 0; i < 3; i++) {
      const ids = () => Int32Array.from({ length: T * B }, () => rng.int(V));
      const batch = { inputs: ids(), targets: ids(), T, B };
      const loss = m.run(batch, dropout ? dropoutMasks(config, T, B, 0.3, rng) : undefined, true);
      out.push([loss], ...Object.values(m.grads).map(bits));
      clipGrads(m, 'norm', 1);
      applyUpdate(m, 0.01, OPTIM_DEFAULTS.rmsprop);
      out.push(...Object.values(m.params).map(bits), ...m.state.h.map(bits), ...m.state.c.map(bits));
    }
    const ids = () => Int32Array.from({ length: T * B }, () => rng.int(V));
    out.push([m.run({ inputs: ids(), targets: ids(), T, B }, undefined, false)], ...m.state.h.map(bits));
    return { out, stats: (k as WasmKernels).threadStats() };
  } finally {
    k.dispose();
  }
}

describe.skipIf(!wasmSupport.ok || !wasmSupport.threads)('a step split by streams', () => {
  for (const kind of CELL_KINDS) {
    for (const [L, H, B, T, dropout] of [
      [2, 64, 50, 12, true], // groups of 25; products large enough to share (the product-sharing way really shares)
      [1, 33, 13, 9, false], // odd B: groups of 5 and 8
      [3, 8, 10, 5, true], // groups of 5
      [2, 16, 7, 6, false], // B below 10: one group, nothing to split
      [1, 5, 1, 4, true], // one stream: one group, matrix-vector kernels
    ] as const) {
      it(`${kind} ${L}×${H}, B ${B}, T ${T}${dropout ? ', dropout' : ''}: the same bits on one thread and on two, either way`, async () => {
        for (const dtype of ['f32', 'f64'] as const) {
          const runs = [];
          for (const w of WAYS) runs.push({ way: w, ...(await steps(w, dtype, kind, L, H, B, T, dropout)) });
          const [one, ...others] = runs;
          for (const o of others) expect(o.out, `${dtype}: ${o.way.label}`).toEqual(one.out);
          const [split, shared] = others;
          expect(split.stats.streamSplits, 'steps split by streams').toBe(B >= 10 ? 4 : 0);
          expect(shared.stats.streamSplits).toBe(0);
          if (H === 64) expect(shared.stats.splits, 'products shared').toBeGreaterThan(0);
        }
      });
    }
  }

  it('the worker runs programs: over 30 steps it takes some of the groups', async () => {
    const config = { kind: 'lstm' as const, vocabSize: 65, hiddenSize: 64, layers: 2 };
    const shape = { config, B: 20, T: 20, optim: 'adagrad' as const, dropout: false };
    const k = wasmKernels({ dtype: 'f32', threads: 2, bytes: fastModelBytes(shape, 'f32'), streams: 'always' });
    try {
      expect(await k.whenThreadsReady()).toBe(true);
      const m = new FastCharRNN(k, shape);
      m.setParams(initParams(config, new Rng(1)));
      const batch = { inputs: new Int32Array(400).fill(3), targets: new Int32Array(400).fill(5), T: 20, B: 20 };
      for (let i = 0; i < 30; i++) m.run(batch, undefined, true);
      expect(k.threadStats().streamSplits).toBe(30);
      expect(k.threadStats().workerBlocks).toBeGreaterThan(0);
    } finally {
      k.dispose();
    }
  });
});
