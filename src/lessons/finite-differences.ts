// Finite differences in float64 and in float32, on a function whose derivative is known exactly:
// the softmax cross-entropy of one prediction,
//
//   f(y) = −log softmax(y)[t] = log Σ_j exp(y_j) − y_t,      ∂f/∂y_i = p_i − [i = t]
//
// (notebook 02 derives the gradient; notebook 03 uses this to show how the step h trades the
// truncation error of (f(y + h) − f(y − h)) / 2h, O(h²), against rounding error, O(ε·|f| / h),
// and why float32 (ε ≈ 1.2e-7) cannot check gradients to the precision float64 (ε ≈ 2.2e-16) can).
//
// Dimensions: V the number of logits.

import { relativeError } from '../gradcheck/compare.ts';

export type Precision = 'f64' | 'f32';

/** Rounds to the precision: the identity in float64, Math.fround (nearest float32) in float32. */
const rounder = (precision: Precision): ((x: number) => number) => (precision === 'f32' ? Math.fround : (x) => x);

/** −log softmax(y)[t], every intermediate rounded to `precision` (with the max subtracted first, as real code does). */
export function crossEntropy(y: readonly number[], t: number, precision: Precision): number {
  const r = rounder(precision);
  let max = -Infinity;
  for (const v of y) max = Math.max(max, r(v));
  let sum = 0;
  for (const v of y) sum = r(sum + r(Math.exp(r(r(v) - max))));
  return r(r(Math.log(sum)) - r(r(y[t]) - max));
}

/** The exact gradient p − onehot(t), in float64. */
export function crossEntropyGrad(y: readonly number[], t: number): number[] {
  const max = Math.max(...y);
  const e = y.map((v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v, i) => v / total - (i === t ? 1 : 0));
}

/**
 * Central differences of crossEntropy in `precision`: component i is (f(y + h·e_i) − f(y − h·e_i)) / 2h,
 * the perturbed input rounded to the precision too (in float32 y ± h is itself a float32).
 */
export function centralDifference(y: readonly number[], t: number, h: number, precision: Precision): number[] {
  const r = rounder(precision);
  return y.map((_, i) => {
    const plus = y.slice(),
      minus = y.slice();
    plus[i] = r(y[i] + h);
    minus[i] = r(y[i] - h);
    return r(r(crossEntropy(plus, t, precision) - crossEntropy(minus, t, precision)) / r(2 * h));
  });
}

export interface StepSweepRow {
  h: number;
  /** max over components of relativeError(numeric, exact) */
  f64: number;
  f32: number;
}

/** The worst relative error of the central difference, for each step h, in both precisions. */
export function stepSweep(y: readonly number[], t: number, steps: readonly number[]): StepSweepRow[] {
  const exact = crossEntropyGrad(y, t);
  const worst = (num: number[]): number => Math.max(...num.map((n, i) => relativeError(n, exact[i])));
  return steps.map((h) => ({ h, f64: worst(centralDifference(y, t, h, 'f64')), f32: worst(centralDifference(y, t, h, 'f32')) }));
}

/** Steps 10^from, 10^(from − 1/k), …, 10^to (k per decade), largest first. */
export function logSteps(from: number, to: number, perDecade: number): number[] {
  const out: number[] = [];
  for (let e = from * perDecade; e >= to * perDecade; e--) out.push(Number((10 ** (e / perDecade)).toPrecision(6)));
  return out;
}

/**
 * The ways of comparing an analytic gradient a with a numerical one n that notebook 03 contrasts:
 *   absolute    |a − n|                   depends on the gradient's scale: 1e-6 is tiny for 1e3, huge for 1e-7
 *   minchar     |a − n| / |a + n|         min-char-rnn's gradient check: scale-free, but unbounded when a ≈ −n
 *                                         (a sign error) and 0/0 at a = n = 0
 *   cs231n      |a − n| / (|a| + |n|)     cs231n's notes (which guard the 0/0 case separately): at most 1, reached
 *                                         by a sign error; 0/0 at a = n = 0 as written here
 *   ours        |a − n| / max(|a|, |n|)   scale-free, at most 2, and defined (0) at a = n = 0 (gradcheck.relativeError)
 */
export function errorMeasures(a: number, n: number): { absolute: number; minchar: number; cs231n: number; ours: number } {
  const d = Math.abs(a - n);
  return { absolute: d, minchar: d / Math.abs(a + n), cs231n: d / (Math.abs(a) + Math.abs(n)), ours: relativeError(a, n) };
}
