// What follows a FastCharRNN's backward pass in a training step, on its kernel set: the finiteness
// check, clipping and the optimizer update, with optim.ts's formulas (clipElementwise,
// clipGlobalNorm, and the adagrad / rmsprop / adam rules), on the gradients and slots the model
// keeps in the kernel memory.

import type { FastCharRNN } from './model.ts';

/** True when no gradient entry is NaN or ±∞. */
export function gradsFinite(m: FastCharRNN): boolean {
  for (const g of Object.values(m.grads)) {
    if (!Number.isFinite(m.k.sumSquares(g, g.length))) {
      for (const x of g) if (!Number.isFinite(x)) return false;
    }
  }
  return true;
}

/** Clips the gradients as clipElementwise ('value') or clipGlobalNorm ('norm') do; returns the count cut or the norm. */
export function clipGrads(m: FastCharRNN, mode: 'value' | 'norm', c: number): number {
  const gs = Object.values(m.grads);
  if (mode === 'value') return gs.reduce((cut, g) => cut + m.k.clip(g, g.length, c), 0);
  const norm = gradNorm(m);
  if (!Number.isFinite(norm)) return norm;
  const coef = c / (norm + 1e-6);
  if (coef < 1) for (const g of gs) m.k.scale(g, g.length, coef);
  return norm;
}

/** The L2 norm of all the model's gradients together, as optim.ts's globalNorm. */
export function gradNorm(m: FastCharRNN): number {
  const gs = Object.values(m.grads);
  let sumSq = 0;
  for (const g of gs) sumSq += m.k.sumSquares(g, g.length);
  let norm = Math.sqrt(sumSq);
  if (norm === Infinity && gradsFinite(m)) {
    // NOTE: the squares overflowed (float64 entries above ~1e154): sum (x / max)² instead.
    let max = 0;
    for (const g of gs) for (const x of g) max = Math.max(max, Math.abs(x));
    let s = 0;
    for (const g of gs) for (const x of g) s += (x / max) * (x / max);
    norm = max * Math.sqrt(s);
  }
  return norm;
}

/** One optimizer update with learning rate lr (hyperparameters as optim.ts's OPTIM_DEFAULTS); counts the step. */
export function applyUpdate(m: FastCharRNN, lr: number, hyper: Readonly<Record<string, number>>): void {
  const t = ++m.steps;
  for (const name of Object.keys(m.params)) {
    const w = m.params[name],
      g = m.grads[name],
      n = w.length;
    if (m.optim === 'adagrad') m.k.adagrad(w, g, m.slots.mem[name], n, lr, hyper.eps);
    else if (m.optim === 'rmsprop') m.k.rmsprop(w, g, m.slots.sq[name], n, lr, hyper.alpha, hyper.eps);
    else {
      const { beta1, beta2, eps } = hyper;
      // Adam's bias corrections, as optim.ts: lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ)
      m.k.adam(w, g, m.slots.m[name], m.slots.v[name], n, lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t), beta1, beta2, eps);
    }
  }
}
