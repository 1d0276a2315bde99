// What follows a FastCharRNN's backward pass in a training step, on its kernel set: the finiteness
// check, clipping and the optimizer update. The formulas are the ones the readable path runs:
// clip.ts's helpers and optim.ts's OPTIM_RULES, here on the kernel set's operations and on the
// gradients and slots the model keeps in the kernel memory.

import { arraysFinite, arraysNorm, type ClipMode, clipGradients, kernelGradOps } from '../optim/clip.ts';
import { OPTIM_RULES } from '../optim/optim.ts';
import type { FastCharRNN } from './model.ts';

/** True when no gradient entry is NaN or ±∞. */
export function gradsFinite(m: FastCharRNN): boolean {
  return arraysFinite(Object.values(m.grads), kernelGradOps(m.k));
}

/** Clips the gradients ('value': each entry to ±c; 'norm': the global norm to c); returns the global norm before clipping. */
export function clipGrads(m: FastCharRNN, mode: ClipMode, c: number): number {
  return clipGradients(Object.values(m.grads), mode, c, kernelGradOps(m.k));
}

/** The L2 norm of all the model's gradients together. */
export function gradNorm(m: FastCharRNN): number {
  return arraysNorm(Object.values(m.grads), kernelGradOps(m.k));
}

/** One optimizer update with learning rate lr (hyperparameters as optim.ts's OPTIM_DEFAULTS); counts the step. */
export function applyUpdate(m: FastCharRNN, lr: number, hyper: Readonly<Record<string, number>>): void {
  const t = ++m.steps;
  const rule = OPTIM_RULES[m.optim];
  for (const name of Object.keys(m.params)) {
    rule.update(
      m.k,
      m.params[name],
      m.grads[name],
      rule.slots.map((slot) => m.slots[slot][name]),
      hyper,
      lr,
      t,
    );
  }
}
