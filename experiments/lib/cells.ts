// The interpretable-cells experiment's analysis of one model: read its cell states over a stretch
// of validation text, score every cell against the text's features, and the same for an untrained
// model of the same shape (what chance alone gives), then pick passages to colour.

import {
  bestStrength,
  type CellStates,
  cellSeries,
  cellStates,
  cellsTrackingAny,
  charrnn,
  type Params,
  type RankedCell,
  Rng,
  rankCells,
  type Thresholds,
  type Tracking,
  trackFeatures,
  type Vocab,
} from '../../src/index.ts';
import type { TextFeature } from './features.ts';

/** A cell "tracks" a feature when it tells it apart this well (see the README of the results for why). */
export const THRESHOLDS: Thresholds = { auc: 0.9, pearson: 0.7 };

export interface Analysis {
  chars: string[];
  /** Features present in the stretch (a binary feature that never or always holds there is left out). */
  features: TextFeature[];
  absent: string[];
  trained: Scored;
  untrained: Scored;
}

export interface Scored {
  trackings: Tracking[];
  /** Per feature, the 5 strongest cells. */
  top: RankedCell[][];
  /** Cells that track at least one feature at THRESHOLDS, per layer. */
  tracking: { layer: number; cell: number; features: string[] }[];
  /** Per layer, per cell: its strongest score over the features of each measure. */
  bestAuc: Float64Array[] | null;
  bestPearson: Float64Array[] | null;
  /** The series of the cells shown (key "layer:cell"), as tanh(c). */
  shown: Map<string, Float32Array>;
  cells: number;
  layers: number;
}

/**
 * `ids` from `from` on are the stretch analysed (ids before it warm the state up); `features`
 * computes the features of its characters.
 */
export function analyse(
  params: Params,
  vocab: Vocab,
  ids: ArrayLike<number>,
  from: number,
  features: (chars: string[]) => TextFeature[],
  seed: number,
): Analysis {
  const chars = Array.from({ length: ids.length - from }, (_, t) => vocab.chars[ids[from + t]]);
  const all = features(chars);
  const present = all.filter((f) => {
    let lo = Infinity,
      hi = -Infinity;
    for (const x of Array.from(f.values)) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
    return hi > lo;
  });
  const score = (p: Params): Scored => {
    const states = cellStates(p, ids, { from });
    return scored(states, present);
  };
  const trained = score(params);
  // an untrained model of the same shape, initialised as training starts (char-rnn's uniform ±0.08)
  const untrained = score(charrnn.initParams(charrnn.configOf(params), new Rng(seed)));
  return { chars, features: present, absent: all.filter((f) => !present.includes(f)).map((f) => f.name), trained, untrained };
}

function scored(states: CellStates, features: TextFeature[]): Scored {
  const trackings = trackFeatures(states, features);
  const top = trackings.map((t) => rankCells(t, 5));
  const byMeasure = (m: 'auc' | 'pearson'): Float64Array[] | null => {
    const ts = trackings.filter((t) => t.measure === m);
    return ts.length > 0 ? bestStrength(ts) : null;
  };
  const shown = new Map<string, Float32Array>();
  const keep = (layer: number, cell: number): void => {
    const s = cellSeries(states, layer, cell);
    shown.set(`${layer}:${cell}`, s.map(Math.tanh));
  };
  for (const t of top) for (const c of t.slice(0, 2)) keep(c.layer, c.cell);
  const bestAuc = byMeasure('auc'),
    bestPearson = byMeasure('pearson');
  const median = medianCell(bestAuc ?? bestPearson!);
  keep(median.layer, median.cell);
  return {
    trackings,
    top,
    tracking: cellsTrackingAny(trackings, THRESHOLDS),
    bestAuc,
    bestPearson,
    shown,
    cells: states.H * states.layers.length,
    layers: states.layers.length,
  };
}

/** The cell whose strongest AUC (or, with no binary feature, r) is the median of all: a typical cell. */
export function typicalCell(s: Scored): { layer: number; cell: number; value: number } {
  return medianCell(s.bestAuc ?? s.bestPearson!);
}

function medianCell(best: Float64Array[]): { layer: number; cell: number; value: number } {
  const ranked = best
    .flatMap((row, layer) => Array.from(row, (value, cell) => ({ layer, cell, value })))
    .sort((a, b) => a.value - b.value || a.layer - b.layer || a.cell - b.cell);
  return ranked[Math.floor(ranked.length / 2)];
}

/**
 * A passage of `length` characters starting at a line start where `values` varies most (its
 * variance; for a 0/1 feature, where it is true near half the time), from candidates every
 * `length / 2` characters.
 */
export function passageFor(chars: readonly string[], values: ArrayLike<number>, length: number): number {
  let best = 0,
    bestVar = -1;
  for (let s = 0; s + length <= chars.length; s += Math.max(1, Math.floor(length / 2))) {
    let at = s;
    while (at > 0 && chars[at - 1] !== '\n' && s - at < 200) at--;
    if (at + length > chars.length) continue;
    let m = 0,
      q = 0;
    for (let t = at; t < at + length; t++) [m, q] = [m + values[t], q + values[t] * values[t]];
    const v = q / length - (m / length) ** 2;
    if (v > bestVar) [best, bestVar] = [at, v];
  }
  return best;
}
