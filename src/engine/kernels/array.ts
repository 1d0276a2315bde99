// Numeric loops other than matrix products: elementwise maps with broadcasting, reductions,
// slicing, gathering and the fused softmax-cross-entropy. They know nothing about gradients.
// Each returns a new array, by default a fresh Float64Array; a backend that keeps its arrays
// elsewhere (src/fast/tape.ts, in WebAssembly memory) passes its own as the last argument `out`,
// which must have the result's length and, where marked "(out zeroed)", hold zeros.

export type Shape = readonly number[];

export function size(s: Shape): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

/** Row-major strides of `s`, with 0 on axes of length 1 (so they broadcast) and padded to `rank`. */
function broadcastStrides(s: Shape, rank: number): number[] {
  const st = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    const axis = rank - s.length + i;
    st[axis] = s[i] === 1 ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

/** The NumPy broadcast of two shapes, or null when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * out = a (op) b with broadcasting to `outShape`. Fast paths for equal shapes and for `b`
 * repeating along the leading axes (a bias added to every row); anything else walks strides.
 */
export function binary(
  op: BinaryOp,
  a: Float64Array,
  as: Shape,
  b: Float64Array,
  bs: Shape,
  outShape: Shape,
  out: Float64Array = new Float64Array(size(outShape)),
): Float64Array {
  const n = out.length;
  if (a.length === n && b.length === n) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
    else for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
    return out;
  }
  if (a.length === n && isTrailing(bs, outShape)) {
    const m = b.length;
    for (let r = 0; r < n; r += m) {
      if (op === 'add') for (let j = 0; j < m; j++) out[r + j] = a[r + j] + b[j];
      else if (op === 'sub') for (let j = 0; j < m; j++) out[r + j] = a[r + j] - b[j];
      else if (op === 'mul') for (let j = 0; j < m; j++) out[r + j] = a[r + j] * b[j];
      else for (let j = 0; j < m; j++) out[r + j] = a[r + j] / b[j];
    }
    return out;
  }
  const rank = outShape.length;
  const sa = broadcastStrides(as, rank),
    sb = broadcastStrides(bs, rank);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0,
    ib = 0;
  for (let i = 0; i < n; i++) {
    const x = a[ia],
      y = b[ib];
    out[i] = op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y;
    for (let ax = rank - 1; ax >= 0; ax--) {
      ia += sa[ax];
      ib += sb[ax];
      if (++idx[ax] < outShape[ax]) break;
      ia -= sa[ax] * outShape[ax];
      ib -= sb[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

/** True when `inner` equals the trailing axes of `outer` (ignoring leading 1s), e.g. [H] in [T, H]. */
export function isTrailing(inner: Shape, outer: Shape): boolean {
  let i = 0;
  while (i < inner.length && inner[i] === 1 && inner.length - i > outer.length) i++;
  const k = inner.length - i;
  if (k > outer.length) return false;
  for (let j = 0; j < k; j++) if (inner[i + j] !== outer[outer.length - k + j]) return false;
  return true;
}

export function map(a: Float64Array, f: (x: number) => number, out: Float64Array = new Float64Array(a.length)): Float64Array {
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]);
  return out;
}

/** out[i] = dy[i] · f(x[i], y[i]): the chain rule for an elementwise function with derivative f. */
export function chain(
  dy: Float64Array,
  x: Float64Array,
  y: Float64Array,
  f: (x: number, y: number) => number,
  out: Float64Array = new Float64Array(dy.length),
): Float64Array {
  for (let i = 0; i < dy.length; i++) out[i] = dy[i] * f(x[i], y[i]);
  return out;
}

export function add(a: Float64Array, b: Float64Array, out: Float64Array = new Float64Array(a.length)): Float64Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

export function addInto(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

export function scale(a: Float64Array, s: number, out: Float64Array = new Float64Array(a.length)): Float64Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i] * s;
  return out;
}

/** Sum `g` (shape `from`) down to shape `to`, which `from` is a broadcast of (out zeroed). */
export function sumTo(g: Float64Array, from: Shape, to: Shape, out: Float64Array = new Float64Array(size(to))): Float64Array {
  const rank = from.length;
  const st = broadcastStrides(to, rank);
  if (isTrailing(to, from)) {
    const m = out.length;
    for (let r = 0; r < g.length; r += m) for (let j = 0; j < m; j++) out[j] += g[r + j];
    return out;
  }
  const idx = new Array<number>(rank).fill(0);
  let io = 0;
  for (let i = 0; i < g.length; i++) {
    out[io] += g[i];
    for (let ax = rank - 1; ax >= 0; ax--) {
      io += st[ax];
      if (++idx[ax] < from[ax]) break;
      io -= st[ax] * from[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

/** Sum over one axis (removed from the shape; out zeroed). */
export function sumAxis(
  a: Float64Array,
  s: Shape,
  axis: number,
  out: Float64Array = new Float64Array(size(s.slice(0, axis)) * size(s.slice(axis + 1))),
): Float64Array {
  const outer = size(s.slice(0, axis)),
    n = s[axis],
    inner = size(s.slice(axis + 1));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) {
      const src = (o * n + k) * inner,
        dst = o * inner;
      for (let j = 0; j < inner; j++) out[dst + j] += a[src + j];
    }
  }
  return out;
}

/** Repeat `g` (shape s without `axis`) n times along `axis`: the adjoint of sumAxis. */
export function expandAxis(g: Float64Array, s: Shape, axis: number, out: Float64Array = new Float64Array(size(s))): Float64Array {
  const outer = size(s.slice(0, axis)),
    n = s[axis],
    inner = size(s.slice(axis + 1));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) out.set(g.subarray(o * inner, (o + 1) * inner), (o * n + k) * inner);
  }
  return out;
}

export function sum(a: Float64Array): number {
  let s0 = 0,
    s1 = 0;
  let i = 0;
  for (; i + 1 < a.length; i += 2) {
    s0 += a[i];
    s1 += a[i + 1];
  }
  if (i < a.length) s0 += a[i];
  return s0 + s1;
}

export function transpose(a: Float64Array, rows: number, cols: number, out: Float64Array = new Float64Array(rows * cols)): Float64Array {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** Elements [start, end) along `axis`. */
export function sliceAxis(
  a: Float64Array,
  s: Shape,
  axis: number,
  start: number,
  end: number,
  out: Float64Array = new Float64Array(size(s.slice(0, axis)) * (end - start) * size(s.slice(axis + 1))),
): Float64Array {
  const outer = size(s.slice(0, axis)),
    n = s[axis],
    inner = size(s.slice(axis + 1));
  const w = (end - start) * inner;
  for (let o = 0; o < outer; o++) out.set(a.subarray((o * n + start) * inner, (o * n + start) * inner + w), o * w);
  return out;
}

/** The adjoint of sliceAxis: `g` placed at [start, end) along `axis` of a zero array of shape s (out zeroed). */
export function padAxis(g: Float64Array, s: Shape, axis: number, start: number, end: number, out: Float64Array = new Float64Array(size(s))): Float64Array {
  const outer = size(s.slice(0, axis)),
    n = s[axis],
    inner = size(s.slice(axis + 1));
  const w = (end - start) * inner;
  for (let o = 0; o < outer; o++) out.set(g.subarray(o * w, (o + 1) * w), (o * n + start) * inner);
  return out;
}

/** Concatenate arrays along `axis`; `shapes[i][axis]` may differ, all other axes must agree. */
export function concatAxis(parts: Float64Array[], shapes: Shape[], axis: number, out?: Float64Array): Float64Array {
  const outer = size(shapes[0].slice(0, axis)),
    inner = size(shapes[0].slice(axis + 1));
  const total = shapes.reduce((t, s) => t + s[axis], 0);
  out ??= new Float64Array(outer * total * inner);
  let offset = 0;
  for (let p = 0; p < parts.length; p++) {
    const w = shapes[p][axis] * inner;
    for (let o = 0; o < outer; o++) out.set(parts[p].subarray(o * w, (o + 1) * w), o * total * inner + offset);
    offset += w;
  }
  return out;
}

/** Rows `idx` of a rows×cols table. */
export function gatherRows(table: Float64Array, cols: number, idx: ArrayLike<number>, out: Float64Array = new Float64Array(idx.length * cols)): Float64Array {
  for (let r = 0; r < idx.length; r++) out.set(table.subarray(idx[r] * cols, (idx[r] + 1) * cols), r * cols);
  return out;
}

/** The adjoint of gatherRows, in place: dst[idx[r]] += g[r] for a table with `cols` columns. */
export function scatterAddRows(dst: Float64Array, cols: number, idx: ArrayLike<number>, g: Float64Array): void {
  for (let r = 0; r < idx.length; r++) {
    const d = idx[r] * cols,
      s = r * cols;
    for (let j = 0; j < cols; j++) dst[d + j] += g[s + j];
  }
}

/**
 * Row-wise softmax of N×C logits and the summed cross-entropy against integer targets.
 * NOTE: each row is shifted by its maximum before exp, so large logits cannot overflow, and the
 * loss uses log-sum-exp directly rather than log(p), so a tiny probability cannot give log(0).
 */
export function softmaxCrossEntropy(
  logits: Float64Array,
  N: number,
  C: number,
  targets: ArrayLike<number>,
  probs: Float64Array = new Float64Array(N * C),
): { loss: number; probs: Float64Array } {
  let loss = 0;
  for (let r = 0; r < N; r++) {
    const o = r * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) if (logits[o + j] > max) max = logits[o + j];
    let z = 0;
    for (let j = 0; j < C; j++) {
      const e = Math.exp(logits[o + j] - max);
      probs[o + j] = e;
      z += e;
    }
    for (let j = 0; j < C; j++) probs[o + j] /= z;
    loss += Math.log(z) + max - logits[o + targets[r]];
  }
  return { loss, probs };
}
