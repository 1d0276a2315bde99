// Finding hidden units that track something nameable in the text, for notebook 06's pictures of
// neuron firings (Karpathy, "The Unreasonable Effectiveness of Recurrent Neural Networks"): given
// the states of one layer over a passage (from inspect.ts's traceActivations) and a number per
// character (a feature: 1 at a space, the position in the line, …), the Pearson correlation of
// each unit's activation with the feature, and the units that correlate most.
//
// Dimensions: T characters, H hidden units.

import { UserError } from '../errors.ts';
import { pearson } from '../interpret/track.ts';

/** corr(h[·][j], feature) for every unit j (interpret/track.ts's pearson); 0 for a unit (or a feature) that never changes. */
export function unitCorrelations(states: readonly Float64Array[], feature: readonly number[]): number[] {
  const T = states.length;
  if (T !== feature.length) throw new UserError(`unitCorrelations: ${T} states but ${feature.length} feature values`);
  if (T < 2) throw new UserError('unitCorrelations: needs at least two characters');
  const H = states[0].length;
  const column = new Float64Array(T);
  const out: number[] = [];
  for (let j = 0; j < H; j++) {
    for (let t = 0; t < T; t++) column[t] = states[t][j];
    out.push(pearson(column, feature));
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
