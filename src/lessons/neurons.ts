// Finding hidden units that track something nameable in the text, for notebook 06's pictures of
// neuron firings (Karpathy, "The Unreasonable Effectiveness of Recurrent Neural Networks"): given
// the states of one layer over a passage (from inspect.ts's traceActivations) and a number per
// character (a feature: 1 at a space, the position in the line, …), the Pearson correlation of
// each unit's activation with the feature, and the units that correlate most.
//
// Dimensions: T characters, H hidden units.

import { UserError } from '../errors.ts';

/** corr(h[·][j], feature) for every unit j; 0 for a unit (or a feature) that never changes. */
export function unitCorrelations(states: readonly Float64Array[], feature: readonly number[]): number[] {
  const T = states.length;
  if (T !== feature.length) throw new UserError(`unitCorrelations: ${T} states but ${feature.length} feature values`);
  if (T < 2) throw new UserError('unitCorrelations: needs at least two characters');
  const H = states[0].length;
  const meanF = feature.reduce((s, x) => s + x, 0) / T;
  let varF = 0;
  for (const x of feature) varF += (x - meanF) ** 2;
  const out: number[] = [];
  for (let j = 0; j < H; j++) {
    let mean = 0;
    for (let t = 0; t < T; t++) mean += states[t][j];
    mean /= T;
    let cov = 0,
      varH = 0;
    for (let t = 0; t < T; t++) {
      const d = states[t][j] - mean;
      cov += d * (feature[t] - meanF);
      varH += d * d;
    }
    out.push(varH > 0 && varF > 0 ? cov / Math.sqrt(varH * varF) : 0);
  }
  return out;
}

/** The k units with the largest |correlation|, strongest first (ties: lower index first). */
export function strongestUnits(correlations: readonly number[], k: number): { unit: number; correlation: number }[] {
  return correlations
    .map((correlation, unit) => ({ unit, correlation }))
    .sort((a, b) => Math.abs(b.correlation) - Math.abs(a.correlation) || a.unit - b.unit)
    .slice(0, k);
}
