// Sum and mean, over everything or over one axis.

import { record } from '../tape.ts';
import { fmtShape, Tensor } from '../tensor.ts';

function checkAxis(op: string, a: Tensor, axis: number): number {
  const ax = axis < 0 ? axis + a.rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= a.rank) throw new Error(`${op}: axis ${axis} is out of range for shape ${fmtShape(a.shape)}`);
  return ax;
}

// s = Σᵢ aᵢ:  daᵢ = ds  (over one axis: ds repeated along that axis)
export function sum(a: Tensor, axis?: number): Tensor {
  const be = a.backend;
  if (axis === undefined) {
    return record('sum', [a], Float64Array.of(be.sum(a.data)), [], (dy) => [Tensor.on(be, be.zeros(a.size).fill(dy.data[0]), a.shape)]);
  }
  const ax = checkAxis('sum', a, axis);
  const shape = a.shape.filter((_, i) => i !== ax);
  return record('sum', [a], be.sumAxis(a.data, a.shape, ax), shape, (dy) => [Tensor.on(be, be.expandAxis(dy.data, a.shape, ax), a.shape)]);
}

// m = (1/n) Σᵢ aᵢ:  daᵢ = dm / n
export function mean(a: Tensor, axis?: number): Tensor {
  const n = axis === undefined ? a.size : a.shape[checkAxis('mean', a, axis)];
  if (n === 0) throw new Error(`mean: cannot average over zero elements (shape ${fmtShape(a.shape)})`);
  const s = sum(a, axis);
  const scale = 1 / n;
  const be = s.backend;
  return record('mean', [s], be.scale(s.data, scale), s.shape, (dy) => [Tensor.on(be, be.scale(dy.data, scale), s.shape)]);
}
