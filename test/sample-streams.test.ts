// Sampling N streams at once (src/train/streams.ts on src/fast/stepper.ts's StreamStepper). The
// reference is the one-stream sampler on the readable float64 model (charrnn.ts's `stepper`, no
// kernel set), run once per stream with that stream's Rng built here from the documented rule
// (`new Rng(seed)` jumped i times); and, for the two threads, the same steps on one thread, bit for bit.

import { describe, expect, it } from 'vitest';
import { Vocab } from '../src/data/vocab.ts';
import { Rng } from '../src/engine/random.ts';
import { UserError } from '../src/errors.ts';
import { streamGroups } from '../src/fast/arrays.ts';
import { fastStepper, fastStepperBytes, StreamStepper, streamStepperBytes } from '../src/fast/stepper.ts';
import { type WasmKernels, wasmKernels } from '../src/fast/wasm.ts';
import { CELL_KINDS, type CellKind, type CharRNNConfig, initParams, type Params, zeroState } from '../src/models/charrnn.ts';
import { sample } from '../src/train/sample.ts';
import { sampleStreams } from '../src/train/streams.ts';
import { kernelSets, wasmSupport } from './fast/sets.ts';

const vocab = Vocab.fromText('hello, world! 你好，世界 😀🎉\n');
const V = vocab.size;
const configOf = (kind: CellKind, H = 8): CharRNNConfig => ({ kind, vocabSize: V, hiddenSize: H, layers: 2 });
/** Weights U(±1) instead of U(±0.08), so the next-character distribution is far from uniform. */
const model = (kind: CellKind, H = 8): Params => initParams(configOf(kind, H), new Rng(3), 1);

/** Stream i's Rng by the documented rule, written out here. */
function rngOf(seed: number, i: number): Rng {
  const r = new Rng(seed);
  for (let j = 0; j < i; j++) r.jump();
  return r;
}

describe('sampleStreams, ts f64: stream i is the one-stream sample with stream i Rng', () => {
  for (const kind of CELL_KINDS) {
    for (const [N, prime, opts] of [
      [13, 'hello', { temperature: 0.8 }], // groups of 5 and 8: 8 is not a multiple of the tile height
      [13, '', {}], // no prime: the first character uniform
      [1, '世界', { topK: 3 }],
      [10, 'o', { temperature: 1.5, topK: 5 }],
    ] as const) {
      it(`${kind}, N ${N}, prime '${prime}', ${JSON.stringify(opts)}`, () => {
        const p = model(kind);
        const got = sampleStreams(p, vocab, { streams: N, length: 40, prime, seed: 11, kernels: 'ts', dtype: 'f64', ...opts });
        expect(got).toHaveLength(N);
        for (let i = 0; i < N; i++) expect(got[i]).toBe(sample(p, vocab, { length: 40, prime, rng: rngOf(11, i), ...opts }));
        if (N > 1) expect(new Set(got).size).toBe(N); // the streams really are independent
      });
    }
  }

  it('argmax: every stream is the one greedy text', () => {
    const p = model('lstm');
    const greedy = sample(p, vocab, { length: 30, prime: 'he', rng: new Rng(1), argmax: true });
    expect(sampleStreams(p, vocab, { streams: 12, length: 30, prime: 'he', seed: 5, argmax: true, kernels: 'ts', dtype: 'f64' })).toEqual(
      Array(12).fill(greedy),
    );
  });

  it('stream i does not depend on N', () => {
    const p = model('gru');
    const s = (N: number) => sampleStreams(p, vocab, { streams: N, length: 25, prime: 'w', seed: 2, kernels: 'ts', dtype: 'f64' });
    const all = s(23);
    expect(s(1)[0]).toBe(all[0]);
    expect(s(9).slice(0, 9)).toEqual(all.slice(0, 9));
  });

  it('length 0 gives N empty strings', () => {
    expect(sampleStreams(model('rnn'), vocab, { streams: 3, length: 0, seed: 1, kernels: 'ts', dtype: 'f64' })).toEqual(['', '', '']);
  });
});

describe('sampleStreams refuses bad options with a UserError', () => {
  const p = model('lstm');
  const base = { streams: 2, length: 5, seed: 1, kernels: 'ts' as const, dtype: 'f64' as const };
  for (const [opts, message] of [
    [{ streams: 0 }, /number of streams must be a positive integer, got 0/],
    [{ streams: -3 }, /positive integer, got -3/],
    [{ streams: 1.5 }, /positive integer, got 1.5/],
    [{ length: -1 }, /length must be a non-negative integer, got -1/],
    [{ temperature: 0 }, /temperature/],
    [{ topK: 0 }, /top-k/],
    [{ prime: 'xyz' }, /not in the model's vocabulary/],
    [{ streams: 2 ** 16, length: 2 ** 15 }, /at most 1073741824 are sampled at once/],
  ] as const) {
    it(JSON.stringify(opts), () => {
      const call = () => sampleStreams(p, vocab, { ...base, ...opts });
      expect(call).toThrow(UserError);
      expect(call).toThrow(message);
    });
  }
});

describe('StreamStepper: every row is fastStepper on that stream', () => {
  for (const set of kernelSets({ threads: false })) {
    it(`${set.label}: lstm, N 13, four steps`, () => {
      const config = configOf('lstm', 12),
        p = model('lstm', 12),
        N = 13;
      const k = set.make(streamStepperBytes(config, N, 'f64') + fastStepperBytes(config, 'f64'));
      try {
        const s = new StreamStepper(k, p, N),
          one = fastStepper(k, p);
        const states = Array.from({ length: N }, () => zeroState(config, 1));
        const tol = k.dtype === 'f64' ? 1e-13 : 1e-5;
        for (let t = 0; t < 4; t++) {
          for (let i = 0; i < N; i++) s.setInput(i, (3 * i + t) % V);
          s.step();
          for (let i = 0; i < N; i++) {
            const r = one([(3 * i + t) % V], states[i]);
            states[i] = r.state;
            const got = s.logits(i);
            for (let v = 0; v < V; v++) expect(Math.abs(got[v] - r.logits[v])).toBeLessThan(tol * (1 + Math.abs(r.logits[v])));
          }
        }
      } finally {
        k.dispose();
      }
    });
  }

  it('refuses a bad stream index or id, and a bad N', () => {
    const k = kernelSets()[0].make(0);
    const p = model('rnn');
    const s = new StreamStepper(k, p, 3);
    expect(() => s.setInput(3, 0)).toThrow(/stream 3 is not one of the 3/);
    expect(() => s.setInput(-1, 0)).toThrow(/stream -1/);
    expect(() => s.setInput(0, V)).toThrow(/out of range/);
    expect(() => new StreamStepper(k, p, 0)).toThrow(/positive integer/);
  });
});

describe.skipIf(!wasmSupport.ok || !wasmSupport.threads)('two threads give the same bits as one', () => {
  /**
   * Every row's logits over `steps` steps, as bits, and the kernel set's thread figures; with
   * `untilWorker`, steps on (up to 5,000) until the worker has run a program, and says how many it took.
   */
  async function run(kind: CellKind, N: number, dtype: 'f32' | 'f64', threads: 1 | 2, streams?: 'always' | 'never', steps = 6, untilWorker = false) {
    const config = configOf(kind, 40),
      p = model(kind, 40);
    const k = wasmKernels({ dtype, threads, bytes: streamStepperBytes(config, N, dtype), adaptiveThreads: false, streams }) as WasmKernels;
    try {
      expect(await k.whenThreadsReady()).toBe(threads === 2);
      const s = new StreamStepper(k, p, N);
      const bits: number[] = [];
      let t = 0;
      for (; t < steps || (untilWorker && k.threadStats().workerBlocks === 0 && t < 5000); t++) {
        for (let i = 0; i < N; i++) s.setInput(i, (7 * i + 3 * t) % V);
        s.step();
        for (let i = 0; i < N; i++) bits.push(...new Uint32Array((dtype === 'f32' ? Float32Array : Float64Array).from(s.logits(i)).buffer));
      }
      return { bits, steps: t, stats: k.threadStats() };
    } finally {
      k.dispose();
    }
  }

  for (const kind of CELL_KINDS) {
    for (const N of [13, 50]) {
      it(`${kind}, N ${N} (groups ${streamGroups(N).map((g) => g[1])}), f32 and f64: one thread, two split by streams, two in turn`, async () => {
        for (const dtype of ['f32', 'f64'] as const) {
          const one = await run(kind, N, dtype, 1);
          const split = await run(kind, N, dtype, 2, 'always');
          const inTurn = await run(kind, N, dtype, 2, 'never');
          expect(split.stats.streamSplits).toBe(split.steps); // every step ran as two programs
          expect(inTurn.stats.streamSplits).toBe(0);
          expect(split.bits).toEqual(one.bits);
          expect(inTurn.bits).toEqual(one.bits);
        }
      });
    }
  }

  it('the worker runs the programs of some steps, with the bits of one thread', async () => {
    const split = await run('lstm', 50, 'f32', 2, 'always', 30, true);
    expect(split.stats.workerBlocks).toBeGreaterThan(0);
    expect(split.bits).toEqual((await run('lstm', 50, 'f32', 1, undefined, split.steps)).bits);
  });

  it('sampleStreams gives the same texts on one thread and two', () => {
    const p = model('lstm', 40);
    const s = (threads: 1 | 2) => sampleStreams(p, vocab, { streams: 37, length: 200, prime: 'h', seed: 9, kernels: 'wasm', threads });
    expect(s(2)).toEqual(s(1));
  });
});
