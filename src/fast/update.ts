// What follows a FastCharRNN's backward pass in a training step, on its kernel set: the finiteness
// check, clipping and the optimizer update. The formulas are the ones the readable path runs:
// clip.ts's helpers and optim.ts's OPTIM_RULES, here on the kernel set's operations and on the
// gradients and slots the model keeps in the kernel memory, each array cut into fixed pieces that
// the two threads share (FastCharRNN.eachPiece): every entry is computed by the same kernel on
// either thread, and a sum of squares is the pieces' sums added in piece order, so one thread and
// two give the same bits.

import { arraysFinite, arraysNorm, type ClipMode, clipGradients, type GradOps } from '../optim/clip.ts';
import { OPTIM_RULES } from '../optim/optim.ts';
import type { FastCharRNN } from './model.ts';

/** The pieces' results added in piece order (in float64). */
function total(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** clip.ts's three operations on the model's kernel set, each array in pieces shared between the threads. */
function pieceOps(m: FastCharRNN): GradOps {
  return {
    sumSquares: (gs) =>
      total(
        m.eachPiece(
          'sumSquares',
          gs.map((g) => [g]),
          (k, [x]) => k.sumSquares(x, x.length),
        ),
      ),
    scale: (g, s) => void m.eachPiece('scale', [[g]], (k, [x]) => k.scale(x, x.length, s)),
    clip: (g, c) => total(m.eachPiece('clip', [[g]], (k, [x]) => k.clip(x, x.length, c))),
  };
}

/** True when no gradient entry is NaN or ±∞ (clip.ts's arraysFinite on the pieces). */
export function gradsFinite(m: FastCharRNN): boolean {
  return arraysFinite(Object.values(m.grads), pieceOps(m));
}

/** Clips the gradients ('value': each entry to ±c; 'norm': the global norm to c); returns the global norm before clipping. */
export function clipGrads(m: FastCharRNN, mode: ClipMode, c: number): number {
  return clipGradients(Object.values(m.grads), mode, c, pieceOps(m));
}

/** The L2 norm of all the model's gradients together. */
export function gradNorm(m: FastCharRNN): number {
  return arraysNorm(Object.values(m.grads), pieceOps(m));
}

/** One optimizer update with learning rate lr (hyperparameters as optim.ts's OPTIM_DEFAULTS); counts the step. */
export function applyUpdate(m: FastCharRNN, lr: number, hyper: Readonly<Record<string, number>>): void {
  const t = ++m.steps;
  const rule = OPTIM_RULES[m.optim];
  const tuples = Object.keys(m.params).map((name) => [m.params[name], m.grads[name], ...rule.slots.map((slot) => m.slots[slot][name])]);
  m.eachPiece(`${m.optim}`, tuples, (k, [w, g, ...s]) => rule.update(k, w, g, s, hyper, lr, t));
}
