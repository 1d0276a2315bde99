// Gate saturation, as "Visualizing and Understanding Recurrent Networks" (section 4.2) measures it:
// for every gate unit, the fraction of time steps at which it is left-saturated (activation < 0.1)
// and right-saturated (> 0.9). Counts are added up over pieces of a trace (the gates that
// traceActivations records with `gates: true`), so a long text can be read in pieces. Tested on
// made-up traces in test/experiments/gates.test.ts.

import { charrnn, GATE_NAMES, type Params, type State, traceActivations, type Vocab } from '../../src/index.ts';

/** Per gate name, per layer, per unit: how many steps were below `lo` and above `hi`. */
export interface SaturationCounts {
  lo: number;
  hi: number;
  steps: number;
  left: Record<string, number[][]>;
  right: Record<string, number[][]>;
}

export function emptyCounts(names: readonly string[], layers: number, units: number, lo = 0.1, hi = 0.9): SaturationCounts {
  const zeros = (): Record<string, number[][]> =>
    Object.fromEntries(names.map((n) => [n, Array.from({ length: layers }, () => new Array<number>(units).fill(0))]));
  return { lo, hi, steps: 0, left: zeros(), right: zeros() };
}

/** Adds a trace's gates (gates[l][name][t], one value per unit) to the counts. */
export function addSaturation(counts: SaturationCounts, gates: readonly Record<string, readonly ArrayLike<number>[]>[]): void {
  const names = Object.keys(counts.left);
  if (gates.length !== counts.left[names[0]].length)
    throw new Error(`saturation: the trace has ${gates.length} layers, the counts ${counts.left[names[0]].length}`);
  const steps = gates[0][names[0]].length;
  gates.forEach((layer, l) => {
    for (const n of names) {
      const left = counts.left[n][l],
        right = counts.right[n][l];
      if (layer[n].length !== steps) throw new Error(`saturation: gate ${n} of layer ${l} has ${layer[n].length} steps, not ${steps}`);
      for (const values of layer[n]) {
        for (let u = 0; u < values.length; u++) {
          if (values[u] < counts.lo) left[u]++;
          else if (values[u] > counts.hi) right[u]++;
        }
      }
    }
  });
  counts.steps += steps;
}

/** One gate type of one layer: every unit's left- and right-saturated fraction, and what they add up to. */
export interface GateSaturation {
  gate: string;
  layer: number;
  left: number[];
  right: number[];
  /** Mean over units of the fraction of steps saturated either way. */
  meanSaturated: number;
  /** Share of units saturated (either way) at more than half the steps. */
  mostlySaturated: number;
  /** Units right-saturated at more than 90% of the steps (for a forget gate: a memory that keeps its contents). */
  alwaysRight: number;
  /** Units left-saturated at more than 90% of the steps. */
  alwaysLeft: number;
}

/** The fractions and their summaries, per gate name (in the order given) and layer. */
export function saturationOf(counts: SaturationCounts): GateSaturation[] {
  const out: GateSaturation[] = [];
  const n = Math.max(counts.steps, 1);
  for (const gate of Object.keys(counts.left)) {
    counts.left[gate].forEach((lefts, layer) => {
      const left = lefts.map((c) => c / n),
        right = counts.right[gate][layer].map((c) => c / n);
      const both = left.map((x, u) => x + right[u]);
      out.push({
        gate,
        layer,
        left,
        right,
        meanSaturated: both.reduce((a, b) => a + b, 0) / Math.max(both.length, 1),
        mostlySaturated: both.filter((x) => x > 0.5).length / Math.max(both.length, 1),
        alwaysRight: right.filter((x) => x > 0.9).length,
        alwaysLeft: left.filter((x) => x > 0.9).length,
      });
    });
  }
  return out;
}

/**
 * The saturation counts of every gate of a model over `text`, traced by the library's own step
 * (traceActivations) in pieces of `piece` characters, the state carried from one to the next.
 */
export function traceSaturation(params: Params, vocab: Vocab, text: string, piece = 2000): SaturationCounts {
  const { kind, layers, hiddenSize } = charrnn.configOf(params);
  const counts = emptyCounts(GATE_NAMES[kind], layers, hiddenSize);
  const chars = [...text];
  let state: State | undefined;
  for (let at = 0; at < chars.length; at += piece) {
    const trace = traceActivations(params, vocab, chars.slice(at, at + piece).join(''), { gates: true, top: 1, state });
    addSaturation(counts, trace.gates);
    state = trace.state;
  }
  return counts;
}
