// Optimiser and gradient clipping, as min-char-rnn does them. They update parameter data in place.

import type { Tensor } from '../engine/tensor.ts';

export type Grads = Record<string, Tensor>;

/** Element-wise clip of every gradient to [−c, c] (min-char-rnn's cure for exploding gradients). */
export function clipElementwise(grads: Grads, c: number): void {
  for (const g of Object.values(grads)) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i] > c ? c : d[i] < -c ? -c : d[i];
  }
}

/**
 * Adagrad: mem += g²;  θ −= lr · g / √(mem + ε).
 * Each weight's step shrinks with the squared gradients it has seen. `mem` holds one array per
 * parameter name (the optimiser state that a checkpoint saves).
 */
export class Adagrad {
  readonly mem: Record<string, Float64Array> = {};

  constructor(public lr = 0.1, public eps = 1e-8) {}

  step(params: Record<string, Tensor>, grads: Grads): void {
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name].data, w = p.data;
      const m = (this.mem[name] ??= new Float64Array(w.length));
      for (let i = 0; i < w.length; i++) {
        m[i] += g[i] * g[i];
        w[i] -= (this.lr * g[i]) / Math.sqrt(m[i] + this.eps);
      }
    }
  }
}
