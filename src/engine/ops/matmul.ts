// Matrix product and transpose (2-D).

import { record } from '../tape.ts';
import { backendOf, fmtShape, ProductGrad, Tensor } from '../tensor.ts';

// C = A·B  (M×K · K×N):  dA = dC·Bᵀ,  dB = Aᵀ·dC  (left to the tape, which batches these over time steps)
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}`);
  }
  const [M, Kd] = a.shape,
    N = b.shape[1];
  const be = backendOf('matmul', [a, b]);
  const c = be.zeros(M * N);
  be.matmulNN(a.data, b.data, c, M, Kd, N);
  return record('matmul', [a, b], c, [M, N], (dC) => {
    let dA: Tensor | null = null;
    if (a.requiresGrad) {
      dA = Tensor.on(be, be.zeros(M * Kd), [M, Kd]);
      be.matmulNT(dC.data, b.data, dA.data, M, N, Kd);
    }
    return [dA, b.requiresGrad ? new ProductGrad(a.detach(), dC) : null];
  });
}

// (Aᵀ)ᵢⱼ = Aⱼᵢ:  dA = (dAᵀ)ᵀ
export function transpose(a: Tensor): Tensor {
  if (a.rank !== 2) throw new Error(`transpose: expects a 2-D tensor, got ${fmtShape(a.shape)}`);
  const [r, c] = a.shape;
  const be = a.backend;
  return record('transpose', [a], be.transpose(a.data, r, c), [c, r], (dy) => [Tensor.on(be, be.transpose(dy.data, c, r), [r, c])]);
}
