// Which of my cells track this feature? Given a model's states over a text (states.ts) and a number
// per character describing the text (a feature: 1 inside a quote and 0 outside, the position in
// the line, …), score every cell of every layer by how well its value follows the feature:
//
//   - a binary feature (0 or 1): the AUC, the probability that the cell's value at a random
//     character where the feature holds exceeds its value at a random character where it does not
//     (ties count a half). 1 or 0: the cell separates the two perfectly (high or low inside); 0.5:
//     no better than chance. It depends only on the order of the values, so it is the same for c
//     and tanh(c), and it does not move with the share of characters where the feature holds
//     (a Pearson correlation with a rare 0/1 feature stays small even for a perfect detector);
//   - a continuous feature (a count, a depth): the Pearson correlation r, which a cell that counts
//     linearly (as an LSTM's c can, adding a constant per character) shows as |r| near 1.
//
// A cell's strength for a feature is max(AUC, 1 − AUC) or |r|: how well it tracks it in either sign.
//
// Dimensions: T characters, L layers, H cells per layer.

import { UserError } from '../errors.ts';
import type { CellStates } from './states.ts';

export type FeatureKind = 'binary' | 'continuous';

export interface Feature {
  name: string;
  kind: FeatureKind;
  /** One value per character (length T); 0 or 1 for a binary feature. */
  values: ArrayLike<number>;
}

export interface Tracking {
  feature: string;
  kind: FeatureKind;
  measure: 'auc' | 'pearson';
  /** Per layer, per cell: the AUC or r. */
  score: Float64Array[];
}

export interface RankedCell {
  layer: number;
  cell: number;
  /** The AUC or r, signed as measured. */
  score: number;
  /** max(AUC, 1 − AUC) or |r|. */
  strength: number;
}

/** How well a score tracks its feature in either direction: max(AUC, 1 − AUC) or |r|. */
export function strength(measure: 'auc' | 'pearson', score: number): number {
  return measure === 'auc' ? Math.max(score, 1 - score) : Math.abs(score);
}

/** Pearson's r of two equally long series; 0 when either is constant (a cell that never moves tracks nothing). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new UserError(`pearson: ${n} values against ${y.length}`);
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/**
 * The order of `values`, ascending: a permutation of 0 … n − 1.
 * NOTE: float32 values only (a cell state as recorded). Each value's 32 bits are mapped to an
 * unsigned integer that sorts as the float does, and the index is packed below them in one float64
 * (exact up to 2^53, so n < 2^21); the engine's numeric sort of a Float64Array is then many times
 * faster than sorting indices with a comparator.
 */
function order(values: Float32Array): Uint32Array {
  const n = values.length;
  if (n >= 2 ** 21) throw new UserError(`at most ${2 ** 21 - 1} characters at a time, got ${n}`);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    // negative floats: flip all bits (larger magnitude sorts lower); positive: set the sign bit
    const u = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    keys[i] = u * 2 ** 21 + i;
  }
  keys.sort();
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = keys[i] % 2 ** 21;
  return out;
}

/** Mid-ranks (1-based; tied values share the mean of their ranks) of `values`, given their order. */
function midRanks(values: Float32Array, ord: Uint32Array): Float64Array {
  const n = values.length;
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[ord[j]] === values[ord[i]]) j++;
    const r = (i + 1 + j) / 2; // mean of ranks i+1 … j
    for (let k = i; k < j; k++) ranks[ord[k]] = r;
    i = j;
  }
  return ranks;
}

/** AUC from mid-ranks (the Mann–Whitney U over n₁·n₀): P(value inside > value outside), ties a half. */
function aucFromRanks(ranks: Float64Array, labels: ArrayLike<number>, positives: number): number {
  let sum = 0;
  for (let i = 0; i < ranks.length; i++) if (labels[i] === 1) sum += ranks[i];
  const negatives = ranks.length - positives;
  return (sum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** P(value where the label is 1 > value where it is 0), ties counting a half. */
export function auc(values: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (values.length !== labels.length) throw new UserError(`auc: ${values.length} values against ${labels.length} labels`);
  const v = Float32Array.from(values);
  const positives = checkBinary('auc', labels);
  return aucFromRanks(midRanks(v, order(v)), labels, positives);
}

/** The number of ones; a UserError unless every label is 0 or 1 and both occur. */
function checkBinary(name: string, labels: ArrayLike<number>): number {
  let ones = 0;
  for (let i = 0; i < labels.length; i++) {
    const x = labels[i];
    if (x !== 0 && x !== 1) throw new UserError(`feature '${name}' is binary but has the value ${x} at ${i}`);
    ones += x;
  }
  if (ones === 0 || ones === labels.length)
    throw new UserError(`feature '${name}' is ${ones === 0 ? 'never' : 'always'} true in these ${labels.length} characters`);
  return ones;
}

function checkContinuous(f: Feature): void {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < f.values.length; i++) {
    const x = f.values[i];
    if (!Number.isFinite(x)) throw new UserError(`feature '${f.name}' has the value ${x} at ${i}`);
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  if (!(hi > lo)) throw new UserError(`feature '${f.name}' is constant in these ${f.values.length} characters`);
}

/** Every cell of every layer scored against every feature (each cell's values are sorted once). */
export function trackFeatures(states: CellStates, features: readonly Feature[]): Tracking[] {
  const { T, H } = states;
  const L = states.layers.length;
  const positives = features.map((f) => {
    if (f.values.length !== T) throw new UserError(`feature '${f.name}' has ${f.values.length} values for ${T} characters`);
    if (f.kind === 'binary') return checkBinary(f.name, f.values);
    checkContinuous(f);
    return 0;
  });
  const out: Tracking[] = features.map((f) => ({
    feature: f.name,
    kind: f.kind,
    measure: f.kind === 'binary' ? 'auc' : 'pearson',
    score: Array.from({ length: L }, () => new Float64Array(H)),
  }));
  const anyBinary = features.some((f) => f.kind === 'binary');
  const column = new Float32Array(T);
  for (let l = 0; l < L; l++) {
    const src = states.layers[l];
    for (let j = 0; j < H; j++) {
      for (let t = 0; t < T; t++) column[t] = src[t * H + j];
      const ranks = anyBinary ? midRanks(column, order(column)) : null;
      features.forEach((f, k) => {
        out[k].score[l][j] = f.kind === 'binary' ? aucFromRanks(ranks!, f.values, positives[k]) : pearson(column, f.values);
      });
    }
  }
  return out;
}

/** The cells of a tracking, strongest first (ties: lower layer, then lower cell), at most k. */
export function rankCells(t: Tracking, k = Infinity): RankedCell[] {
  const all: RankedCell[] = [];
  t.score.forEach((row, layer) => {
    row.forEach((score, cell) => all.push({ layer, cell, score, strength: strength(t.measure, score) }));
  });
  all.sort((a, b) => b.strength - a.strength || a.layer - b.layer || a.cell - b.cell);
  return all.slice(0, k);
}

/** The strength a cell needs to count as tracking a feature, per measure. */
export interface Thresholds {
  auc: number;
  pearson: number;
}

/** Every cell that tracks at least one feature at the thresholds, with the features it tracks. */
export function cellsTrackingAny(trackings: readonly Tracking[], at: Thresholds): { layer: number; cell: number; features: string[] }[] {
  if (trackings.length === 0) return [];
  const out: { layer: number; cell: number; features: string[] }[] = [];
  trackings[0].score.forEach((row, layer) => {
    for (let cell = 0; cell < row.length; cell++) {
      const features = trackings.filter((t) => strength(t.measure, t.score[layer][cell]) >= at[t.measure]).map((t) => t.feature);
      if (features.length > 0) out.push({ layer, cell, features });
    }
  });
  return out;
}

/** For every cell, its strongest tracking of any feature (per layer, per cell). */
export function bestStrength(trackings: readonly Tracking[]): Float64Array[] {
  if (trackings.length === 0) throw new UserError('bestStrength: no trackings');
  return trackings[0].score.map((row, layer) => row.map((_, cell) => Math.max(...trackings.map((t) => strength(t.measure, t.score[layer][cell])))));
}
