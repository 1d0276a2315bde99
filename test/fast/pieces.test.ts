// The work after a step's passes, in pieces (src/fast/model.ts eachPiece, src/fast/update.ts): adding
// the groups' gradients, the finiteness check, clipping and the optimizer update are elementwise
// kernels on fixed pieces of each array, which the two threads share. Checked here:
//   - one thread and two (every piece job shared) leave the same bits, for each optimizer and both
//     clip modes, over several steps (in float32; streams.test.ts covers float64 and the step not
//     split by streams, with RMSprop and the norm clip);
//   - the pieces compute what the readable path computes on whole arrays: clip.ts and optim.ts on
//     float64 arrays, given the same gradients, agree to rounding (in float64);
//   - the worker really takes pieces.
// Timing: every piece job here waits for the worker, so these tests slow down faster than the load
// rises. They have the other tests' 60 s timeout (vitest.config.ts): on a quiet 2-core machine
// (load 0.1) the slowest took 1.4 s and the file 10 s; at load 3.4 the slowest took 2.8 s, at load 6
// (nice 19 beside a process taking 1.6 cores) 12.5 s; at load 15 one took 71 s, which is a machine
// too busy for this file, not a reason to wait three minutes for a hung worker.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { Tensor } from '../../src/engine/tensor.ts';
import { FastCharRNN, fastModelBytes, PIECE } from '../../src/fast/model.ts';
import { PROGRAMS } from '../../src/fast/threads.ts';
import { applyUpdate, clipGrads, gradsFinite } from '../../src/fast/update.ts';
import { type WasmKernels, wasmKernels } from '../../src/fast/wasm.ts';
import { type CharRNNConfig, initParams } from '../../src/models/charrnn.ts';
import { CLIP_MODES, type ClipMode, clipGradients } from '../../src/optim/clip.ts';
import { makeOptimizer, OPTIMIZERS, type OptimName } from '../../src/optim/optim.ts';
import { wasmSupport } from './sets.ts';

// LSTM 2×96: W_hh (384 × 96) is 36,864 entries, three pieces; every kind of job has several pieces
const config: CharRNNConfig = { kind: 'lstm', vocabSize: 67, hiddenSize: 96, layers: 2 };
const B = 20,
  T = 6;

type Way = { label: string; threads: 1 | 2; streams?: 'always' | 'never' };
const WAYS: Way[] = [
  { label: 'one thread', threads: 1 },
  { label: 'two threads, split by streams, every piece job shared', threads: 2, streams: 'always' },
];

function model(dtype: 'f32' | 'f64', threads: 1 | 2, optim: OptimName, streams?: 'always' | 'never') {
  const shape = { config, B, T, optim, dropout: false };
  const k = wasmKernels({ dtype, threads, bytes: fastModelBytes(shape, dtype), adaptiveThreads: false, streams });
  const m = new FastCharRNN(k, shape);
  m.setParams(initParams(config, new Rng(5)));
  return { k, m };
}

/** Random chunks: ids drawn from their own seeded generator, the same for every way. */
function batches(n: number) {
  const rng = new Rng(8);
  const ids = () => Int32Array.from({ length: T * B }, () => rng.int(config.vocabSize));
  return Array.from({ length: n }, () => ({ inputs: ids(), targets: ids(), T, B }));
}

/** Clip bounds that cut: an entry bound below the gradients' largest entries, a norm bound below their norm. */
const BOUND: Record<ClipMode, number> = { value: 2e-3, norm: 0.05 };

describe.skipIf(!wasmSupport.ok || !wasmSupport.threads)('the work after the passes, in pieces shared by the threads', () => {
  it('cuts 16-byte aligned pieces, several to a W_hh', () => {
    expect(PIECE % 16).toBe(0); // pieces start 16-byte aligned in either dtype
    expect(config.hiddenSize * 4 * config.hiddenSize).toBeGreaterThan(2 * PIECE);
  });

  for (const optim of OPTIMIZERS) {
    for (const mode of CLIP_MODES) {
      it(`${optim}, clip by ${mode}: the same bits on one thread and on two`, async () => {
        const runs: number[][][] = [];
        for (const way of WAYS) {
          const { k, m } = model('f32', way.threads, optim, way.streams);
          try {
            expect(await k.whenThreadsReady()).toBe(way.threads === 2);
            const out: number[][] = [];
            const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
            const norms: number[] = [];
            for (const batch of batches(3)) {
              out.push(bits([m.run(batch, undefined, true)]));
              expect(gradsFinite(m)).toBe(true);
              norms.push(clipGrads(m, mode, BOUND[mode]));
              applyUpdate(m, 0.01, makeOptimizer(optim).hyper);
              out.push(...Object.values(m.params).map(bits));
              for (const slot of Object.values(m.slots)) out.push(...Object.values(slot).map(bits));
            }
            out.push(Array.from(new Uint32Array(Float64Array.from(norms).buffer)));
            runs.push(out);
          } finally {
            k.dispose();
          }
        }
        const [one, two] = runs;
        expect(two).toEqual(one);
      });
    }
  }

  for (const optim of OPTIMIZERS) {
    it(`${optim}: clipping and the update in pieces equal clip.ts and optim.ts on whole float64 arrays`, async () => {
      for (const mode of CLIP_MODES) {
        const { k, m } = model('f64', 2, optim, 'always');
        try {
          await k.whenThreadsReady();
          const reference = makeOptimizer(optim);
          const params = m.getParams(); // the readable path's own copy, updated by its own optimizer
          for (const batch of batches(3)) {
            m.run(batch, undefined, true);
            const grads: Record<string, Tensor> = {};
            for (const [name, g] of Object.entries(m.grads)) grads[name] = new Tensor(Float64Array.from(g), params[name].shape);
            if (mode === 'value')
              expect(Math.max(...Object.values(grads).map((g) => Math.max(...g.data.map(Math.abs)))), 'the value bound cuts').toBeGreaterThan(BOUND.value);
            const norm = clipGrads(m, mode, BOUND[mode]);
            applyUpdate(m, 0.01, reference.hyper);
            const refNorm = clipGradients(
              Object.values(grads).map((g) => g.data),
              mode,
              BOUND[mode],
            );
            reference.step(params, grads, 0.01);
            expect(Math.abs(norm - refNorm) / refNorm, `${mode}: the norm`).toBeLessThan(1e-13);
            if (mode === 'norm') expect(refNorm, 'the norm bound cuts').toBeGreaterThan(BOUND.norm);
            // the fast model's own parameters carry on from its own update, the readable ones from theirs
            for (const [name, p] of Object.entries(params)) {
              const got = m.params[name];
              let worst = 0;
              for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - p.data[i]) / Math.max(Math.abs(p.data[i]), 1e-3));
              expect(worst, `${mode}: ${name}`).toBeLessThan(1e-10);
            }
          }
        } finally {
          k.dispose();
        }
      }
    });
  }

  it('the worker takes pieces', async () => {
    const { k, m } = model('f32', 2, 'adam', 'never');
    try {
      expect(await k.whenThreadsReady()).toBe(true);
      let byWorker = 0,
        jobs = 0;
      (k as WasmKernels).traceJobs((t) => {
        if (t.op !== PROGRAMS) return;
        jobs++;
        if (t.mainBlocks < t.blocks) byWorker++;
      });
      // timing decides who takes a piece: on a busy machine the worker may come late for many jobs
      const [batch] = batches(1);
      for (let i = 0; i < 200 && byWorker === 0; i++) {
        m.run(batch, undefined, true);
        clipGrads(m, 'value', BOUND.value);
        applyUpdate(m, 0.01, makeOptimizer('adam').hyper);
      }
      expect(jobs).toBeGreaterThan(0);
      expect(byWorker).toBeGreaterThan(0);
    } finally {
      k.dispose();
    }
  });
});
