// Gradient clipping and the finiteness check, written once for both ways of training: the readable
// path's float64 Tensors and the fast path's arrays in kernel memory. Each works on a list of
// gradient arrays through `GradOps`, the three things it needs done to them.

import { unreachable } from '../errors.ts';
import { type FloatArray, float64Ops, type VectorOps } from './vector.ts';

export interface GradOps {
  /** Σ g² over all the arrays together (NaN or ∞ when an entry is). */
  sumSquares(gs: readonly FloatArray[]): number;
  scale(g: FloatArray, s: number): void;
  /** Clips each entry to [−c, c]; returns how many were cut. */
  clip(g: FloatArray, c: number): number;
}

/** In plain float64 loops: one running sum over every entry, in order. */
export const float64GradOps: GradOps = {
  sumSquares(gs) {
    let s = 0;
    for (const g of gs) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    return s;
  },
  scale: (g, s) => float64Ops.scale(g, g.length, s),
  clip: (g, c) => float64Ops.clip(g, g.length, c),
};

/** On a kernel set: one kernel sum per array, the sums added in float64. */
export function kernelGradOps(k: VectorOps): GradOps {
  return {
    sumSquares(gs) {
      let s = 0;
      for (const g of gs) s += k.sumSquares(g, g.length);
      return s;
    },
    scale: (g, s) => k.scale(g, g.length, s),
    clip: (g, c) => k.clip(g, g.length, c),
  };
}

/**
 * True when no entry is NaN or ±∞: one sum of squares over all of them proves it at once when it is
 * finite; otherwise (an entry is not, or the squares overflow) look array by array.
 */
export function arraysFinite(gs: readonly FloatArray[], ops: GradOps = float64GradOps): boolean {
  if (Number.isFinite(ops.sumSquares(gs))) return true;
  for (const g of gs) {
    if (Number.isFinite(ops.sumSquares([g]))) continue;
    for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i])) return false;
  }
  return true;
}

/** ‖g‖ = √(Σ g²) over all entries together (NaN or ∞ when an entry is). */
export function arraysNorm(gs: readonly FloatArray[], ops: GradOps = float64GradOps): number {
  let norm = Math.sqrt(ops.sumSquares(gs));
  if (norm === Infinity && arraysFinite(gs, ops)) {
    // NOTE: the squares overflowed (entries above ~1e154): sum (x / max)² instead.
    let max = 0;
    for (const g of gs) for (let i = 0; i < g.length; i++) max = Math.max(max, Math.abs(g[i]));
    let s = 0;
    for (const g of gs) for (let i = 0; i < g.length; i++) s += (g[i] / max) * (g[i] / max);
    norm = max * Math.sqrt(s);
  }
  return norm;
}

/**
 * The L2 norm of all entries together, ‖g‖ = √(Σ g²); when maxNorm/(‖g‖ + 1e-6) < 1, every entry
 * is multiplied by that factor (torch.nn.utils.clip_grad_norm_, whose 1e-6 guards the division and
 * also scales gradients whose norm is up to 1e-6 below maxNorm). Returns the norm before clipping.
 * NOTE: a non-finite norm (a NaN or ±∞ entry) leaves the gradients untouched (PyTorch would
 * multiply them by NaN or 0); the caller sees the norm and skips the step.
 */
export function clipArraysNorm(gs: readonly FloatArray[], maxNorm: number, ops: GradOps = float64GradOps): number {
  if (!(Number.isFinite(maxNorm) && maxNorm > 0)) throw new Error(`clipGlobalNorm: maxNorm must be a positive number, got ${maxNorm}`);
  const norm = arraysNorm(gs, ops);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of gs) ops.scale(g, coef);
  return norm;
}

/** Clips each entry to [−c, c] in place (min-char-rnn's cure for exploding gradients); returns how many entries were cut. */
export function clipArraysElementwise(gs: readonly FloatArray[], c: number, ops: GradOps = float64GradOps): number {
  if (!(c > 0)) throw new Error(`clipElementwise: the bound must be positive, got ${c}`);
  let cut = 0;
  for (const g of gs) cut += ops.clip(g, c);
  return cut;
}

export type ClipMode = 'value' | 'norm';
export const CLIP_MODES: readonly ClipMode[] = ['value', 'norm'];

/**
 * A training step's clipping: 'value' clips each entry to ±c, 'norm' the global norm to c. Returns
 * the global norm before clipping either way (for the log).
 */
export function clipGradients(gs: readonly FloatArray[], mode: ClipMode, c: number, ops: GradOps = float64GradOps): number {
  switch (mode) {
    case 'norm':
      return clipArraysNorm(gs, c, ops);
    case 'value': {
      const norm = arraysNorm(gs, ops);
      clipArraysElementwise(gs, c, ops);
      return norm;
    }
    default:
      return unreachable(mode, 'clip mode');
  }
}
