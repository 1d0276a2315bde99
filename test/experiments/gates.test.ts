// Gate saturation counted on a made-up trace whose answers are counted by hand (comments say how).

import { describe, expect, it } from 'vitest';
import { addSaturation, emptyCounts, saturationOf, traceSaturation } from '../../experiments/lib/gates.ts';
import { charrnn, Rng, traceActivations, Vocab } from '../../src/index.ts';

const f64 = (...xs: number[]): Float64Array => Float64Array.from(xs);

describe('gate saturation', () => {
  // 2 layers, gates i and f, 2 units, 4 steps given in two pieces of 2
  const piece1 = [
    { i: [f64(0.5, 0.5), f64(0.5, 0.5)], f: [f64(0.05, 0.5), f64(0.95, 0.5)] },
    { i: [f64(0.2, 0.8), f64(0.2, 0.8)], f: [f64(0.99, 0.99), f64(0.99, 0.99)] },
  ];
  const piece2 = [
    { i: [f64(0.5, 0.5), f64(0.5, 0.5)], f: [f64(0.1, 0.91), f64(0, 0.95)] },
    { i: [f64(0.2, 0.8), f64(0.2, 0.8)], f: [f64(0.99, 0.99), f64(0.99, 0.99)] },
  ];

  it('counts the steps below 0.1 and above 0.9 per unit, over pieces', () => {
    const c = emptyCounts(['i', 'f'], 2, 2);
    addSaturation(c, piece1);
    addSaturation(c, piece2);
    expect(c.steps).toBe(4);
    // layer 0, f, unit 0: 0.05, 0.95, 0.1, 0 → below 0.1: 0.05 and 0 (0.1 itself is not) = 2; above 0.9: 0.95 = 1
    // unit 1: 0.5, 0.5, 0.91, 0.95 → below: 0; above: 2
    expect(c.left.f[0]).toEqual([2, 0]);
    expect(c.right.f[0]).toEqual([1, 2]);
    // layer 1, f: 0.99 at every step → 4 above, 0 below; gate i never saturated (0.2, 0.5, 0.8)
    expect(c.right.f[1]).toEqual([4, 4]);
    expect(c.left.f[1]).toEqual([0, 0]);
    expect([...c.left.i[0], ...c.right.i[0], ...c.left.i[1], ...c.right.i[1]]).toEqual(new Array(8).fill(0));
  });

  it('turns counts into fractions and the summaries', () => {
    const c = emptyCounts(['i', 'f'], 2, 2);
    addSaturation(c, piece1);
    addSaturation(c, piece2);
    const s = saturationOf(c);
    expect(s.map((g) => `${g.gate}${g.layer}`)).toEqual(['i0', 'i1', 'f0', 'f1']);
    const f0 = s[2],
      f1 = s[3];
    expect(f0.left).toEqual([0.5, 0]); // 2/4, 0/4
    expect(f0.right).toEqual([0.25, 0.5]); // 1/4, 2/4
    // saturated either way: unit 0 0.75, unit 1 0.5 → mean 0.625; more than half the steps: unit 0 only → 1 of 2
    expect(f0.meanSaturated).toBeCloseTo(0.625, 15);
    expect(f0.mostlySaturated).toBe(0.5);
    expect(f0.alwaysRight).toBe(0);
    expect([f1.meanSaturated, f1.mostlySaturated, f1.alwaysRight, f1.alwaysLeft]).toEqual([1, 1, 2, 0]);
    expect([s[0].meanSaturated, s[0].mostlySaturated]).toEqual([0, 0]);
  });

  it('refuses a trace of another shape', () => {
    const c = emptyCounts(['i', 'f'], 3, 2);
    expect(() => addSaturation(c, piece1)).toThrow(/2 layers/);
  });
});

describe('traceSaturation', () => {
  it('reads a text in pieces and counts as one trace of the whole text would', () => {
    const vocab = Vocab.fromText('abc de');
    const params = charrnn.initParams({ kind: 'lstm', vocabSize: vocab.size, hiddenSize: 3, layers: 2 }, new Rng(4), 2); // large weights: some saturation
    const text = 'abcde abc dd ee aa bcd eab';
    const counts = traceSaturation(params, vocab, text, 7);
    const whole = traceActivations(params, vocab, text, { gates: true }).gates;
    expect(counts.steps).toBe(text.length);
    let seen = 0;
    for (const g of ['i', 'f', 'g', 'o']) {
      for (let l = 0; l < 2; l++) {
        for (let u = 0; u < 3; u++) {
          const values = whole[l][g].map((v) => v[u]);
          expect(counts.left[g][l][u]).toBe(values.filter((v) => v < 0.1).length);
          expect(counts.right[g][l][u]).toBe(values.filter((v) => v > 0.9).length);
          seen += counts.left[g][l][u] + counts.right[g][l][u];
        }
      }
    }
    expect(seen).toBeGreaterThan(0);
  });
});
