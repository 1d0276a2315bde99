// Sum and mean, over everything or over one axis.

import { K } from '../kernels/index.ts';
import { record } from '../tape.ts';
import { fmtShape, Tensor } from '../tensor.ts';

function checkAxis(op: string, a: Tensor, axis: number): number {
  const ax = axis < 0 ? axis + a.rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= a.rank) throw new Error(`${op}: axis ${axis} is out of range for shape ${fmtShape(a.shape)}`);
  return ax;
}

// s = Σᵢ aᵢ:  daᵢ = ds  (over one axis: ds repeated along that axis)
export function sum(a: Tensor, axis?: number): Tensor {
  if (axis === undefined) {
    return record('sum', [a], Float64Array.of(K.sum(a.data)), [], (dy) => [Tensor.full(a.shape, dy.data[0])]);
  }
  const ax = checkAxis('sum', a, axis);
  const shape = a.shape.filter((_, i) => i !== ax);
  return record('sum', [a], K.sumAxis(a.data, a.shape, ax), shape, (dy) => [new Tensor(K.expandAxis(dy.data, a.shape, ax), a.shape)]);
}

// m = (1/n) Σᵢ aᵢ:  daᵢ = dm / n
export function mean(a: Tensor, axis?: number): Tensor {
  const n = axis === undefined ? a.size : a.shape[checkAxis('mean', a, axis)];
  if (n === 0) throw new Error(`mean: cannot average over zero elements (shape ${fmtShape(a.shape)})`);
  const s = sum(a, axis);
  const scale = 1 / n;
  return record('mean', [s], K.scale(s.data, scale), s.shape, (dy) => [new Tensor(K.scale(dy.data, scale), s.shape)]);
}
