// The Trainer on the fast path: float32 training tracks the readable float64 path's loss; resuming
// from a checkpoint is bit-exact; the number of threads changes no bit; a diverging step changes
// nothing. On every kernel set available (test/fast/sets.ts).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WasmKernels } from '../../src/fast/wasm.ts';
import { decodeCheckpoint, encodeCheckpoint, Trainer, type TrainerOptions } from '../../src/index.ts';
import { wasmSupport } from './sets.ts';

const TEXT = readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 60_000);
const SMALL: Partial<TrainerOptions> = { model: 'lstm', layers: 2, hidden: 32, seqLength: 16, batchSize: 8, epochs: 5, seed: 5 };

type Engine = Pick<TrainerOptions, 'kernels' | 'dtype' | 'threads'>;
const ENGINES: [string, Engine][] = [['ts f32', { kernels: 'ts', dtype: 'f32', threads: 1 }]];
if (wasmSupport.ok) {
  ENGINES.push(['wasm f32', { kernels: 'wasm', dtype: 'f32', threads: 1 }], ['wasm f64', { kernels: 'wasm', dtype: 'f64', threads: 1 }]);
  if (wasmSupport.threads) ENGINES.push(['wasm f32 ×2', { kernels: 'wasm', dtype: 'f32', threads: 2 }]);
}

const bits = (t: Trainer) =>
  Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, Array.from(new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length * 2))]));

function run(t: Trainer, n: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < n; i++) losses.push(t.step());
  return losses;
}

describe('Trainer on the fast path', () => {
  for (const model of ['lstm', 'gru', 'rnn'] as const) {
    it(`${model}: 300 steps in each fast engine track the readable float64 path`, () => {
      const ref = Trainer.fromText(TEXT, { ...SMALL, model, kernels: 'ts', dtype: 'f64' });
      expect(ref.engine).toBe('ts f64 (manual)');
      const refLoss = run(ref, 300);
      for (const [label, engine] of ENGINES) {
        const t = Trainer.fromText(TEXT, { ...SMALL, model, ...engine });
        try {
          const loss = run(t, 300);
          // The first steps agree to the dtype's rounding; later the trajectories drift apart as
          // rounding differences compound, but the loss curve must stay the same curve. Stated
          // tolerance: 1e-4 on step 1, and 0.03 nats on the mean of every block of 50 steps.
          expect(Math.abs(loss[0] - refLoss[0])).toBeLessThan(engine.dtype === 'f64' ? 1e-10 : 1e-4);
          for (let b = 0; b < 300; b += 50) {
            const mean = (xs: number[]) => xs.slice(b, b + 50).reduce((a, x) => a + x, 0) / 50;
            if (!(Math.abs(mean(loss) - mean(refLoss)) < 0.03)) throw new Error(`${label}: steps ${b}–${b + 49} mean loss ${mean(loss)} vs ${mean(refLoss)}`);
          }
          expect(refLoss[299]).toBeLessThan(refLoss[0] - 0.8); // it learned something, so the check means something
          // validation on the fast path == the readable evaluate() of the same (rounded) parameters
          const fastVal = t.validate();
          const check = Trainer.fromText(TEXT, { ...SMALL, model, kernels: 'ts', dtype: 'f64' });
          for (const [k, v] of Object.entries(t.params)) check.params[k].data.set(v.data);
          expect(Math.abs(fastVal - check.validate())).toBeLessThan(engine.dtype === 'f64' ? 1e-10 : 1e-4);
        } finally {
          t.dispose();
        }
      }
    });
  }

  it('validation on a split too short for B stripes of T (a model sized for it) matches the readable path', () => {
    // 5% of 6,000 characters = 300, fewer than batch 8 × seq 50
    const opts = { ...SMALL, seqLength: 50, ...ENGINES.at(-1)![1] };
    const t = Trainer.fromText(TEXT.slice(0, 6000), opts);
    try {
      run(t, 3);
      const fastVal = t.validate();
      const check = Trainer.fromText(TEXT.slice(0, 6000), { ...opts, kernels: 'ts', dtype: 'f64' });
      for (const [k, v] of Object.entries(t.params)) check.params[k].data.set(v.data);
      expect(Number.isFinite(fastVal)).toBe(true);
      expect(Math.abs(fastVal - check.validate())).toBeLessThan(t.options.dtype === 'f64' ? 1e-10 : 1e-4);
    } finally {
      t.dispose();
    }
  });

  for (const [label, engine] of ENGINES) {
    it(`${label}: a resumed run is bit-for-bit the uninterrupted one (dropout, Adam, norm clipping)`, () => {
      const opts = { ...SMALL, ...engine, dropout: 0.2, optim: 'adam' as const, clipMode: 'norm' as const, clip: 1 };
      const straight = Trainer.fromText(TEXT, opts);
      const first = Trainer.fromText(TEXT, opts);
      try {
        run(straight, 40);
        run(first, 25);
        const bytes = encodeCheckpoint(first.checkpoint(), engine.dtype === 'f32' ? 'F32' : 'F64');
        const resumed = Trainer.fromCheckpoint(TEXT, decodeCheckpoint(bytes, 'test checkpoint'));
        try {
          expect(resumed.engine).toBe(first.engine);
          run(resumed, 15);
          expect(bits(resumed)).toEqual(bits(straight));
          expect(resumed.state).toEqual(straight.state);
          expect(resumed.optimizerState()).toEqual(straight.optimizerState());
        } finally {
          resumed.dispose();
        }
      } finally {
        straight.dispose();
        first.dispose();
      }
    });
  }

  if (wasmSupport.ok && wasmSupport.threads) {
    it("wasm: 1 and 2 threads give identical bits, for LSTM 2×128 at char-rnn's batch (products large enough to split)", () => {
      for (const dtype of ['f32', 'f64'] as const) {
        const opts = { ...SMALL, hidden: 128, seqLength: 20, batchSize: 50, kernels: 'wasm' as const, dtype };
        const one = Trainer.fromText(TEXT, { ...opts, threads: 1 }),
          two = Trainer.fromText(TEXT, { ...opts, threads: 2 });
        try {
          expect(two.engine).toContain('×2');
          run(one, 6);
          run(two, 6);
          expect(bits(two)).toEqual(bits(one));
          expect(two.state).toEqual(one.state);
          // and the second thread really took part, both ways: sharing products, and steps split by
          // streams (the kernels may decide not to split a product or a step where that is faster on
          // one thread, but they try both ways first)
          const stats = (two.kernels as WasmKernels).threadStats();
          expect(stats.splits).toBeGreaterThan(0);
          expect(stats.streamSplits).toBeGreaterThan(0);
        } finally {
          one.dispose();
          two.dispose();
        }
      }
    });
  }

  for (const [label, engine] of ENGINES) {
    it(`${label}: a step that diverges changes neither the parameters nor the carried state`, () => {
      const t = Trainer.fromText(TEXT, { ...SMALL, ...engine, lr: 1e6 });
      try {
        expect(() => run(t, 50)).toThrow(/diverged/);
        expect(t.iteration).toBeGreaterThan(0);
        // the step that threw left everything as the step before it did: compare with a fresh run of the good steps
        const again = Trainer.fromText(TEXT, { ...SMALL, ...engine, lr: 1e6 });
        try {
          const n = t.iteration;
          run(again, n);
          expect(bits(t)).toEqual(bits(again));
          expect(t.state).toEqual(again.state);
        } finally {
          again.dispose();
        }
      } finally {
        t.dispose();
      }
    });
  }
});
