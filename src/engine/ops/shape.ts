// Ops that move data without arithmetic: reshape, slice, concat, and gathering rows by index.

import { record } from '../tape.ts';
import { backendOf, fmtShape, RowGrad, type Shape, Tensor } from '../tensor.ts';

// Same data, new shape:  dA = dY reshaped back
export function reshape(a: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const free = s.indexOf(-1);
  const known = s.filter((_, i) => i !== free);
  if (free >= 0 && known.every((d) => Number.isInteger(d) && d > 0)) s[free] = a.size / known.reduce((x, y) => x * y, 1);
  if (s.some((d) => !Number.isInteger(d) || d < 0) || s.reduce((x, y) => x * y, 1) !== a.size) {
    throw new Error(`reshape: cannot reshape ${fmtShape(a.shape)} (${a.size} elements) to ${fmtShape(shape)}`);
  }
  return record('reshape', [a], a.data, s, (dy) => [Tensor.on(dy.backend, dy.data, a.shape)]);
}

// Y = A[..., start:end, ...] along `axis`:  dA = dY placed back in a zero tensor
// (along axis 0 as a RowGrad, so the tape adds it in place without building the zeros)
export function slice(a: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = axis < 0 ? axis + a.rank : axis;
  if (ax < 0 || ax >= a.rank || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > a.shape[ax] || start > end) {
    throw new Error(`slice: [${start}, ${end}) along axis ${axis} is out of range for shape ${fmtShape(a.shape)}`);
  }
  const shape = a.shape.map((d, i) => (i === ax ? end - start : d));
  const be = a.backend;
  return record('slice', [a], be.sliceAxis(a.data, a.shape, ax, start, end), shape, (dy) => [
    ax === 0
      ? new RowGrad(
          Array.from({ length: end - start }, (_, r) => start + r),
          dy,
        )
      : Tensor.on(be, be.padAxis(dy.data, a.shape, ax, start, end), a.shape),
  ]);
}

// Y = [A₀ A₁ …] along `axis`:  dAᵢ = the matching slice of dY
export function concat(parts: Tensor[], axis = 0): Tensor {
  if (parts.length === 0) throw new Error('concat: needs at least one tensor');
  const rank = parts[0].rank;
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank) throw new Error(`concat: axis ${axis} is out of range for shape ${fmtShape(parts[0].shape)}`);
  for (const p of parts) {
    if (p.rank !== rank || p.shape.some((d, i) => i !== ax && d !== parts[0].shape[i])) {
      throw new Error(`concat: shapes ${fmtShape(parts[0].shape)} and ${fmtShape(p.shape)} differ off axis ${axis}`);
    }
  }
  const shape = parts[0].shape.map((d, i) => (i === ax ? parts.reduce((t, p) => t + p.shape[ax], 0) : d));
  const be = backendOf('concat', parts);
  const data = be.concatAxis(
    parts.map((p) => p.data),
    parts.map((p) => p.shape),
    ax,
  );
  return record('concat', parts, data, shape, (dy) => {
    let offset = 0;
    return parts.map((p) => {
      const n = p.shape[ax];
      offset += n;
      return p.requiresGrad ? Tensor.on(be, be.sliceAxis(dy.data, shape, ax, offset - n, offset), p.shape) : null;
    });
  });
}

// Y[r] = Table[idx[r]]: an embedding lookup, or a one-hot input times a matrix without building
// the one-hot matrix.  dTable[idx[r]] += dY[r]  (scatter-add: repeated indices accumulate)
export function gatherRows(table: Tensor, idx: ArrayLike<number>): Tensor {
  if (table.rank !== 2) throw new Error(`gatherRows: expects a 2-D table, got ${fmtShape(table.shape)}`);
  const [rows, cols] = table.shape;
  for (let r = 0; r < idx.length; r++) {
    if (!Number.isInteger(idx[r]) || idx[r] < 0 || idx[r] >= rows) {
      throw new Error(`gatherRows: index ${idx[r]} is out of range for a table with ${rows} rows`);
    }
  }
  const ids = Array.from(idx);
  return record('gatherRows', [table], table.backend.gatherRows(table.data, cols, ids), [ids.length, cols], (dy) => [new RowGrad(ids, dy)]);
}
