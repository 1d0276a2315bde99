// Elementwise primitives. Each gradient rule sits right under (or on the same line as) its forward.
// Binary ops broadcast like NumPy; their rules return gradients in the broadcast shape and the
// tape sums them back down to each input's shape.

import { type BinaryOp, broadcastShapes } from '../kernels/index.ts';
import { record } from '../tape.ts';
import { backendOf, fmtShape, Tensor } from '../tensor.ts';

export type TensorLike = Tensor | number;

const lift = (x: TensorLike): Tensor => (typeof x === 'number' ? Tensor.scalar(x) : x);

function binary(op: BinaryOp, a: Tensor, b: Tensor, rule: (dy: Tensor) => (Tensor | null)[]): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) throw new Error(`${op}: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast`);
  return record(op, [a, b], backendOf(op, [a, b]).binary(op, a.data, a.shape, b.data, b.shape, shape), shape, rule);
}

/** x (op) y with broadcasting, outside the tape: for use inside gradient rules. */
function plain(op: BinaryOp, x: Tensor, y: Tensor): Tensor {
  const shape = broadcastShapes(x.shape, y.shape)!;
  const be = backendOf(op, [x, y]);
  return Tensor.on(be, be.binary(op, x.data, x.shape, y.data, y.shape, shape), shape);
}
const times = (x: Tensor, y: Tensor): Tensor => plain('mul', x, y);
const over = (x: Tensor, y: Tensor): Tensor => plain('div', x, y);
const negated = (x: Tensor): Tensor => Tensor.on(x.backend, x.backend.scale(x.data, -1), x.shape);

// d(a + b) = da + db
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', lift(a), lift(b), (dy) => [dy, dy]);
}

// d(a − b) = da − db
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary('sub', lift(a), lift(b), (dy) => [dy, negated(dy)]);
}

// d(a·b) = b·da + a·db
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const x = lift(a),
    y = lift(b);
  return binary('mul', x, y, (dy) => [times(dy, y), times(dy, x)]);
}

// d(a/b) = da/b − (a/b²)·db = (da − out·db)/b
export function div(a: TensorLike, b: TensorLike): Tensor {
  const x = lift(a),
    y = lift(b);
  const out: Tensor = binary('div', x, y, (dy) => {
    const dx = over(dy, y);
    return [dx, negated(times(dx, out.detach()))];
  });
  return out;
}

// d(−a) = −da
export function neg(a: Tensor): Tensor {
  return record('neg', [a], a.backend.scale(a.data, -1), a.shape, (dy) => [negated(dy)]);
}

/** An elementwise function f with derivative df(x, y) written in terms of the input x and the output y. */
function unary(op: string, a: Tensor, f: (x: number) => number, df: (x: number, y: number) => number): Tensor {
  const be = a.backend;
  const y = be.map(a.data, f, op);
  return record(op, [a], y, a.shape, (dy) => [Tensor.on(be, be.chain(dy.data, a.data, y, df, op), a.shape)]);
}

export const exp = (a: Tensor) => unary('exp', a, Math.exp, (_x, y) => y); //             d(eˣ) = eˣ dx
export const log = (a: Tensor) => unary('log', a, Math.log, (x) => 1 / x); //               d(ln x) = dx / x
export const tanh = (a: Tensor) => unary('tanh', a, Math.tanh, (_x, y) => 1 - y * y); //   d(tanh x) = (1 − tanh²x) dx
export const sigmoid = (a: Tensor) => unary('sigmoid', a, sigmoidFn, (_x, y) => y * (1 - y)); // dσ = σ(1 − σ) dx
// NOTE: relu's derivative at exactly 0 is taken as 0 (as PyTorch does); finite differences are meaningless there.
export const relu = (a: Tensor) =>
  unary(
    'relu',
    a,
    (x) => (x > 0 ? x : 0),
    (x) => (x > 0 ? 1 : 0),
  );

/** Limits to [lo, hi]; the gradient passes where the input was strictly inside. */
export function clamp(a: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new Error(`clamp: lower bound ${lo} is above upper bound ${hi}`);
  return unary(
    'clamp',
    a,
    (x) => (x < lo ? lo : x > hi ? hi : x),
    (x) => (x > lo && x < hi ? 1 : 0),
  );
}

// NOTE: written so that exp never sees a large positive argument: for x < 0, σ(x) = eˣ / (1 + eˣ).
function sigmoidFn(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
