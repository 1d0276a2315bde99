// The smoothed training loss that rnn train, rnn plot and the web page show (src/train/smooth.ts):
// checked against the least-squares line computed independently by the normal equations, and
// against hand-counted windows.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { SMOOTH_WINDOW, smoothedLoss } from '../src/train/smooth.ts';

describe('smoothedLoss', () => {
  /** The least-squares line through (x, y) by the normal equations in plain x (no centring), at x0. */
  function lineAt(xs: number[], ys: number[], x0: number): number {
    const n = xs.length,
      sx = xs.reduce((a, b) => a + b, 0),
      sy = ys.reduce((a, b) => a + b, 0),
      sxx = xs.reduce((a, x) => a + x * x, 0),
      sxy = xs.reduce((a, x, k) => a + x * ys[k], 0);
    const det = n * sxx - sx * sx;
    const slope = (n * sxy - sx * sy) / det;
    return (sy - slope * sx) / n + slope * x0;
  }
  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, k) => a + k);

  it('gives a constant back at every iteration, the first included', () => {
    const losses = new Array(120).fill(2.5);
    for (let i = 0; i < losses.length; i++) expect(smoothedLoss(losses, i)).toBeCloseTo(2.5, 12);
    expect(smoothedLoss([4.2], 0)).toBe(4.2); // one loss: itself
  });

  it('gives a straight fall back exactly, at the newest iteration too: it does not lag', () => {
    const losses = Array.from({ length: 200 }, (_, i) => 4.2 - 0.01 * i);
    for (const n of [1, 2, 10, 51, 52, 200]) {
      const seen = losses.slice(0, n);
      for (const i of [0, Math.floor(n / 2), n - 1]) expect(smoothedLoss(seen, i)).toBeCloseTo(losses[i], 10);
    }
    // (for comparison: a trailing exponential average with factor 0.98, bias-corrected, of the same
    // fall ends 0.98 / 0.02 = 49 iterations behind it)
  });

  it('is the mean of the 51 losses around an iteration in the middle of the data (a step, by hand)', () => {
    // 100 losses of 3 then 100 of 2: at i = 110 the window 85…135 holds 15 threes and 36 twos
    const losses = [...new Array(100).fill(3), ...new Array(100).fill(2)];
    expect(SMOOTH_WINDOW).toBe(51);
    expect(smoothedLoss(losses, 110)).toBeCloseTo((15 * 3 + 36 * 2) / 51, 12);
    expect(smoothedLoss(losses, 100)).toBeCloseTo((25 * 3 + 26 * 2) / 51, 12);
    expect(smoothedLoss(losses, 30)).toBeCloseTo(3, 12);
    expect(smoothedLoss(losses, 199)).toBeCloseTo(2, 12); // the newest: the line through the last 51, all twos
  });

  it('cuts noise: an alternating ±ε about a line is off by only ε/51 in the middle', () => {
    const eps = 0.3,
      losses = Array.from({ length: 300 }, (_, i) => 3 - 0.002 * i + (i % 2 === 0 ? eps : -eps));
    // window 125…175 holds 26 odd indices (−ε) and 25 even ones (+ε): the noise sums to −ε
    expect(smoothedLoss(losses, 150) - (3 - 0.002 * 150)).toBeCloseTo(-eps / 51, 12);
  });

  it('at the ends is the least-squares line through the 51 nearest losses (all of them while there are fewer)', () => {
    const losses = Array.from({ length: 130 }, (_, i) => 4 * Math.exp(-i / 30) + 0.2 * Math.sin(i * 1.7));
    const at = (n: number, i: number, a: number, b: number): void =>
      expect(smoothedLoss(losses.slice(0, n), i)).toBeCloseTo(lineAt(range(a, b), losses.slice(a, b), i), 10);
    at(7, 6, 0, 7); // fewer than 51 so far: every one of them
    at(7, 0, 0, 7);
    at(130, 129, 79, 130); // the newest: the last 51
    at(130, 110, 79, 130); // within 25 of the end: the same window
    at(130, 3, 0, 51); // near the start: the first 51
    at(130, 60, 35, 86); // the middle: centred
  });

  it("shows a falling training loss where it is, where char-rnn's moving average from the first loss runs far above it", () => {
    // a loss like a run's first few hundred iterations: from ln 65 down to 1.8, fast then slowly, with noise
    const rng = new Rng(5);
    const curve = (i: number): number => 1.8 + (Math.log(65) - 1.8) * Math.exp(-i / 40);
    const losses = Array.from({ length: 400 }, (_, i) => curve(i) + 0.05 * (rng.uniform() - 0.5));
    // (char-rnn's moving average from the first loss, 0.99, which rnn train showed before, runs 1.26
    // above this curve at n = 50)
    for (let n = 1; n <= losses.length; n++) {
      const shown = smoothedLoss(losses.slice(0, n), n - 1);
      if (n === 2) expect(shown).toBe(losses[1]); // the line through two losses ends at the second, whatever the first
      // NOTE: while the fall still bends, the end of a straight line undershoots it a little (at most
      // 0.15 here, near n = 50); once it is nearly straight, the line is on it
      expect(Math.abs(shown - curve(n - 1))).toBeLessThan(n >= 150 ? 0.03 : 0.2);
    }
  });

  it('refuses an index with no loss, and a window that is not a positive integer', () => {
    expect(() => smoothedLoss([1, 2], 2)).toThrow(/no loss at index 2 of 2/);
    expect(() => smoothedLoss([], 0)).toThrow(RangeError);
    expect(() => smoothedLoss([1, 2], 1, 0)).toThrow(/window must be a positive integer/);
    expect(smoothedLoss([1, 2, 5], 1, 1)).toBe(2); // a window of one: the loss itself
  });
});
