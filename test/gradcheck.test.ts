// The gradient checker: it passes on correct gradients (fixed and random models), it FAILS on
// planted bugs (a bug in one path, the same bug in both, a tiny error, a NaN), relativeError has
// the properties its documentation claims, and the table is aligned.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { UserError } from '../src/errors.ts';
import { charCheckBatch, charGradcheck, charWellScaledParams } from '../src/gradcheck/charrnn.ts';
import { compareGradients, formatGradcheckTable, type GradcheckRow, NOISE, numericNoiseFloor, relativeError, THRESHOLDS } from '../src/gradcheck/compare.ts';
import { gradcheck, wellScaledParams } from '../src/gradcheck/minchar.ts';
import { charLossAndGrads } from '../src/models/charrnn.paths.ts';
import * as charrnn from '../src/models/charrnn.ts';
import { lossAndGrads } from '../src/models/rnn.paths.ts';
import { type Params, paramShapes, rnnLoss } from '../src/models/rnn.ts';

const TEXT = 'hello world, hello rnn';

describe('gradcheck', () => {
  it.each([1, 2, 3])('passes for L = %i, H = 10 on "hello world, hello rnn", seq 10, seed 1', (L) => {
    const r = gradcheck({ layers: L, hidden: 10, text: TEXT, seqLength: 10, seed: 1 });
    expect(r.pass).toBe(true);
    expect(r.vocabSize).toBe(10); // h e l o w r d n, space and comma, counted by hand
    const shapes = paramShapes({ vocabSize: 10, hiddenSize: 10, layers: L });
    expect(r.rows.map((row) => [row.name, row.shape])).toEqual(shapes);
    for (const row of r.rows) {
      expect(row.checked).toBe(row.shape.reduce((a, b) => a * b, 1)); // all entries by default
      expect(row.maxRelTapeManual).toBeLessThanOrEqual(THRESHOLDS.tapeVsManual);
      expect(row.maxRelNumeric).toBeLessThanOrEqual(THRESHOLDS.vsNumeric);
    }
  });

  it('passes at min-char-rnn size too (H = 100, T = 25), where a width-blind check scale made finite differences miss', () => {
    const text = 'First Citizen:\nBefore we proceed any further, hear me speak.';
    const r = gradcheck({ layers: 2, hidden: 100, text, seqLength: 25, seed: 3, samples: 25 });
    expect(r.rows.filter((row) => !row.pass)).toEqual([]);
    expect(r.pass).toBe(true);
  });

  it('passes on random small models and texts (code points, not UTF-16 units), checking `samples` entries each', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', ' ', 'é', '🙂', '中');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(alphabet, { minLength: 9, maxLength: 12 }),
        (layers, hidden, seqLength, seed, chars) => {
          const text = chars.join('');
          const r = gradcheck({ layers, hidden, text, seqLength, seed, samples: 3 });
          expect(r.pass).toBe(true);
          expect(r.vocabSize).toBe(new Set(chars).size);
          for (const row of r.rows)
            expect(row.checked).toBe(
              Math.min(
                3,
                row.shape.reduce((a, b) => a * b, 1),
              ),
            );
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses a text shorter than seqLength + 1 characters, counting code points', () => {
    expect(() => gradcheck({ layers: 1, hidden: 2, text: '🙂🙂🙂', seqLength: 3, seed: 0 })).toThrow(UserError);
    expect(gradcheck({ layers: 1, hidden: 2, text: '🙂🙂🙂', seqLength: 2, seed: 0 }).vocabSize).toBe(1);
  });
});

describe('compareGradients catches planted bugs', () => {
  const rng = new Rng(11);
  const config = { vocabSize: 5, hiddenSize: 4, layers: 2 };
  const p = wellScaledParams(config, rng);
  const inputs = [0, 3, 1, 4, 2, 2],
    targets = [3, 1, 4, 2, 2, 0];
  const hprev = [Float64Array.of(0.3, -0.2, 0.1, 0.4), Float64Array.of(-0.1, 0.2, 0.3, -0.4)];
  const loss = (q: Params): number => rnnLoss(q, inputs, targets, hprev).loss.item();
  const good = (): Params => lossAndGrads('manual', p, inputs, targets, hprev).grads;
  const tape = lossAndGrads('tape', p, inputs, targets, hprev).grads;
  const byName = (rows: GradcheckRow[]): Record<string, GradcheckRow> => Object.fromEntries(rows.map((r) => [r.name, r]));

  it('passes the correct gradients and leaves the parameters unchanged', () => {
    const before = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.clone()]));
    const rows = compareGradients(loss, p, tape, good());
    expect(rows.every((r) => r.pass)).toBe(true);
    for (const k of Object.keys(p)) expect(p[k]).toBeAllClose(before[k], { rtol: 0, atol: 0 });
  });

  it('a bug in one path (dWhh1 transposed): that row fails against the other path and the numeric gradient', () => {
    const g = good();
    const d = g.Whh1.data.slice(),
      H = 4;
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) g.Whh1.data[i * H + j] = d[j * H + i];
    const rows = byName(compareGradients(loss, p, tape, g));
    expect(rows.Whh1.pass).toBe(false);
    expect(rows.Whh1.maxRelTapeManual).toBeGreaterThan(1e-3);
    expect(rows.Whh1.maxRelNumeric).toBeGreaterThan(1e-3);
    for (const [name, row] of Object.entries(rows)) if (name !== 'Whh1') expect(row.pass).toBe(true);
  });

  it('the same bug in both paths (sign of dby flipped): they agree, and only the numeric gradient catches it', () => {
    const a = good(),
      b = good();
    for (const g of [a, b]) for (let i = 0; i < g.by.size; i++) g.by.data[i] = -g.by.data[i];
    const rows = byName(compareGradients(loss, p, a, b));
    expect(rows.by.maxRelTapeManual).toBe(0);
    expect(rows.by.maxRelNumeric).toBeCloseTo(2, 6); // relativeError(−n, n) = 2
    expect(rows.by.pass).toBe(false);
  });

  it('the mean instead of the sum (every gradient divided by T) fails every row', () => {
    const a = good(),
      b = good();
    for (const g of [a, b]) for (const t of Object.values(g)) for (let i = 0; i < t.size; i++) t.data[i] /= inputs.length;
    expect(compareGradients(loss, p, a, b).every((r) => !r.pass)).toBe(true);
  });

  it('a relative error of 1e-5 in a single entry is caught', () => {
    const g = good();
    let k = 0; // the largest entry of dWhy, far above the noise floor
    for (let i = 1; i < g.Why.size; i++) if (Math.abs(g.Why.data[i]) > Math.abs(g.Why.data[k])) k = i;
    g.Why.data[k] *= 1 + 1e-5;
    const row = byName(compareGradients(loss, p, tape, g)).Why;
    expect(row.pass).toBe(false);
    expect(row.maxRelNumeric).toBeGreaterThan(5e-6);
    expect(row.maxRelTapeManual).toBeGreaterThan(5e-6);
  });

  it('a NaN fails its row instead of disappearing in a max', () => {
    const g = good();
    g.bh2.data[1] = NaN;
    expect(byName(compareGradients(loss, p, tape, g)).bh2.pass).toBe(false);
  });

  it('with samples, checks that many distinct entries per parameter', () => {
    const rows = compareGradients(loss, p, tape, good(), { samples: 3, rng: new Rng(2) });
    for (const r of rows)
      expect(r.checked).toBe(
        Math.min(
          3,
          r.shape.reduce((x, y) => x * y, 1),
        ),
      );
    expect(rows.every((r) => r.pass)).toBe(true);
  });
});

describe('relativeError', () => {
  const num = fc.double({ min: -1e300, max: 1e300, noNaN: true });

  it('is symmetric, 0 exactly for equal values, at most 1 for equal signs and at most 2 always', () => {
    fc.assert(
      fc.property(num, num, (a, b) => {
        const e = relativeError(a, b);
        expect(e).toBe(relativeError(b, a));
        expect(e === 0).toBe(a === b);
        if (a * b >= 0) expect(e).toBeLessThanOrEqual(1);
        expect(e).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('gives exactly 2 for opposite values and 0 for two zeros (where |a − n| / |a + n| is ∞ and NaN)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1e300, noNaN: true }), (a) => {
        expect(relativeError(a, -a)).toBe(2);
      }),
    );
    expect(relativeError(0, 0)).toBe(0);
    expect(relativeError(0, -0)).toBe(0);
  });

  it('matches hand-computed values', () => {
    expect(relativeError(1, 1.1)).toBeAllClose(0.1 / 1.1, { rtol: 1e-12 });
    expect(relativeError(-3, 1)).toBeAllClose(4 / 3, { rtol: 1e-15 });
    expect(relativeError(1e-20, 0)).toBeAllClose(1e-8, { rtol: 1e-12 }); // below 1e-12 the denominator is 1e-12
  });
});

describe('formatGradcheckTable', () => {
  it('has a header, a rule and one aligned row per parameter with PASS or FAIL', () => {
    const rows: GradcheckRow[] = [
      { name: 'Wxh', shape: [10, 12], checked: 120, maxAbsTapeManual: 3e-16, maxRelTapeManual: 1e-14, maxRelNumeric: 2e-8, pass: true },
      { name: 'by', shape: [12], checked: 5, maxAbsTapeManual: 0, maxRelTapeManual: 0, maxRelNumeric: 0.5, pass: false },
    ];
    const lines = formatGradcheckTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^parameter\s+shape\s+checked/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1); // every line as wide as the header
    expect(lines[2]).toMatch(/^Wxh\s+\[10, 12\]\s+120 .*PASS$/);
    expect(lines[3]).toMatch(/^by\s+\[12\]\s+5 .*5\.00e-1\s+FAIL$/);
  });
});

describe("charGradcheck (char-rnn's models)", () => {
  const text = 'First Citizen:\nBefore we proceed any further, hear me speak.';

  it.each([
    ['lstm', 2, 0],
    ['lstm', 3, 0.3],
    ['gru', 2, 0.3],
    ['gru', 3, 0],
    ['rnn', 2, 0],
    ['rnn', 3, 0.3],
  ] as const)('%s with %i layers, dropout %s, B = 3: passes, every entry, rows in state_dict order', (kind, layers, dropout) => {
    const r = charGradcheck({ kind, layers, hidden: 5, text, seqLength: 6, batch: 3, dropout, seed: 2 });
    expect(r.rows.filter((row) => !row.pass)).toEqual([]);
    expect(r.pass).toBe(true);
    expect(r.vocabSize).toBe(new Set(text).size);
    const shapes = charrnn.paramShapes({ kind, vocabSize: r.vocabSize, hiddenSize: 5, layers });
    expect(r.rows.map((row) => [row.name, row.shape])).toEqual(shapes);
    for (const row of r.rows) expect(row.checked).toBe(row.shape.reduce((a, b) => a * b, 1));
  });

  it('lays the chunk out time-major, stream b reading characters b·T … b·T + T', () => {
    // "abcdefg", T = 2, B = 3: streams "abc", "cde", "efg"; ids a..g = 0..6 (code-point order)
    const { batch, vocabSize } = charCheckBatch('abcdefg', 2, 3);
    expect(vocabSize).toBe(7);
    expect(batch).toEqual({ inputs: [0, 2, 4, 1, 3, 5], targets: [1, 3, 5, 2, 4, 6], T: 2, B: 3 });
    expect(() => charCheckBatch('abcdef', 2, 3)).toThrow(UserError);
  });

  it('the sum instead of the mean (every gradient times T·B, in both paths) fails every row', () => {
    const config: charrnn.CharRNNConfig = { kind: 'gru', vocabSize: 5, hiddenSize: 3, layers: 2 };
    const p = charWellScaledParams(config, new Rng(4));
    const batch = { inputs: [0, 1, 2, 3, 4, 0], targets: [1, 2, 3, 4, 0, 1], T: 3, B: 2 };
    const state = charrnn.zeroState(config, 2);
    const loss = (q: Params): number => charrnn.charLoss(q, batch, state).loss.item();
    const [a, b] = [charLossAndGrads('tape', p, batch, state).grads, charLossAndGrads('manual', p, batch, state).grads];
    expect(compareGradients(loss, p, a, b, { terms: 6 }).every((r) => r.pass)).toBe(true);
    for (const g of [a, b]) for (const t of Object.values(g)) for (let i = 0; i < t.size; i++) t.data[i] *= 6;
    expect(compareGradients(loss, p, a, b, { terms: 6 }).every((r) => !r.pass)).toBe(true);
  });

  it('the numeric noise floor grows as √(terms / 25) above 25 terms and is unchanged below', () => {
    const plain = numericNoiseFloor(3, 1e-5);
    expect(plain).toBeAllClose((NOISE.numericRoundingFactor * Number.EPSILON * 3) / 1e-5, { rtol: 1e-15 });
    expect(numericNoiseFloor(3, 1e-5, 25)).toBe(plain);
    expect(numericNoiseFloor(3, 1e-5, 2500)).toBeAllClose(10 * plain, { rtol: 1e-15 });
  });
});
