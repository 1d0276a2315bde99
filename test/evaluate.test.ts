// evaluate(): every character after the first is scored once, whatever B and T are, with each
// prediction's context exactly the stripe it is read in. The expected values come from the step
// model (one character at a time, softmax by hand), not from the chunked forward passes.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { wasmAvailable } from '../src/fast/wasm.ts';
import { type CellKind, initParams, type Params, stepper, zeroState } from '../src/models/charrnn.ts';
import { evaluate } from '../src/train/evaluate.ts';

const V = 7,
  H = 5;

/** −ln p(target) summed over one stream read from a zero state, a character at a time. */
function streamLossSum(p: Params, ids: ArrayLike<number>, kind: CellKind): number {
  const step = stepper(p);
  let state = zeroState({ kind, vocabSize: V, hiddenSize: H, layers: 2 }, 1),
    sum = 0;
  for (let i = 0; i + 1 < ids.length; i++) {
    const out = step([ids[i]], state);
    state = out.state;
    const max = Math.max(...out.logits);
    const logZ = max + Math.log(out.logits.reduce((a, z) => a + Math.exp(z - max), 0));
    sum += logZ - out.logits[ids[i + 1]];
  }
  return sum;
}

/** The expected mean: stripes 0 … B−2 of S ids each (plus the next id as target), the last stripe to the end. */
function expectedLoss(p: Params, ids: Int32Array, B: number, kind: CellKind): number {
  const S = Math.floor((ids.length - 1) / B);
  let sum = 0;
  for (let b = 0; b < B; b++) sum += streamLossSum(p, ids.subarray(b * S, b === B - 1 ? ids.length : (b + 1) * S + 1), kind);
  return sum / (ids.length - 1);
}

describe('evaluate scores every character', () => {
  const rng = new Rng(5);
  const ids = Int32Array.from({ length: 103 }, () => Math.floor(rng.uniform() * V)); // 102 predictions

  for (const kind of ['lstm', 'gru'] as const) {
    const p = initParams({ kind, vocabSize: V, hiddenSize: H, layers: 2 }, new Rng(3), 0.5);
    // (B, T) with a stripe tail shorter than T and ids left after the stripes; whole chunks only; T longer than the text
    for (const [B, T] of [
      [1, 10],
      [4, 7],
      [3, 17],
      [2, 51],
      [5, 200],
    ] as const) {
      it(`${kind}, batch ${B}, seq ${T}: ${ids.length - 1} predictions, the mean of the stripes read one character at a time`, () => {
        const r = evaluate(p, ids, B, T);
        expect(r.predictions).toBe(ids.length - 1);
        const b = Math.max(1, Math.min(B, Math.floor((ids.length - 1) / T))); // evalStripes' stream count
        expect(r.loss).toBeCloseTo(expectedLoss(p, ids, b, kind), 12);
        expect(r.bitsPerChar).toBeCloseTo(r.loss / Math.LN2, 14);
      });
    }

    it(`${kind}: the fast path scores the same characters (float64 agrees to 1e-10, float32 to 1e-5)`, () => {
      const want = evaluate(p, ids, 4, 7);
      const kernels = wasmAvailable().ok ? (['ts', 'wasm'] as const) : (['ts'] as const);
      for (const k of kernels) {
        const f64 = evaluate(p, ids, 4, 7, undefined, { kernels: k, dtype: 'f64' });
        expect(f64.predictions).toBe(want.predictions);
        expect(Math.abs(f64.loss - want.loss)).toBeLessThan(1e-10);
        const f32 = evaluate(p, ids, 4, 7, undefined, { kernels: k, dtype: 'f32' });
        expect(Math.abs(f32.loss - want.loss)).toBeLessThan(1e-5);
      }
    });
  }

  it('reports its chunks: whole chunks, the stripe tails, then the rest', () => {
    const p = initParams({ kind: 'rnn', vocabSize: V, hiddenSize: H, layers: 2 }, new Rng(3));
    const seen: string[] = [];
    evaluate(p, ids, 4, 7, (done, total) => seen.push(`${done}/${total}`)); // S = 25: 3 chunks, tail 4, rest 2
    expect(seen).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
  });

  it('has nothing to score in fewer than two characters', () => {
    const p = initParams({ kind: 'rnn', vocabSize: V, hiddenSize: H, layers: 1 }, new Rng(3));
    expect(evaluate(p, Int32Array.of(1), 2, 3).predictions).toBe(0);
  });
});
