// Tensor: a flat Float64Array plus a shape, row-major (the last axis varies fastest).
//
// A tensor that requires a gradient, or that was computed from one, carries a `node`: the op that
// made it, its inputs, and the rule that turns the output's gradient into the inputs' gradients.
// Those nodes are the tape; `backward(y)` (tape.ts) walks them in reverse. Tensors computed only
// from tensors that need no gradient carry no node, so inference builds no tape at all.
// NOTE: this file knows nothing of the tape's walk: tape.ts imports it, never the other way round.
//
// Every tensor also carries its backend (kernels/index.ts): the kernels that ops on it run on and
// where their results live. It is `tsKernels`, the readable TypeScript loops, unless the tensor was
// placed on another backend (e.g. src/fast/tape.ts's WebAssembly one); an op runs on the backend
// of its inputs (backendOf), so a model placed on a backend runs there with no change to its code.

import { type Kernels, tsKernels } from './kernels/index.ts';
import type { Rng } from './random.ts';

export type Shape = readonly number[];

/**
 * A gradient that touches only some rows (entries along axis 0) of its input: `values[r]` belongs
 * to row `rows[r]`, every other row gets zero. Slicing along axis 0 and gathering rows return
 * these, so that a T-step loop over the rows of one tensor costs O(T) rather than O(T²) to
 * differentiate; the tape adds them into place.
 */
export class RowGrad {
  constructor(
    readonly rows: readonly number[],
    readonly values: Tensor, // (rows.length, ...the input's other axes)
  ) {}
}

/**
 * A gradient of the form aᵀ·d, left for the tape to compute. A weight used at every time step
 * receives one such product per step; the tape stacks them and computes their sum as ONE matrix
 * product (Σₜ aₜᵀ·dₜ = [a₁; …; a_T]ᵀ·[d₁; …; d_T]), which is much faster than T small ones.
 */
export class ProductGrad {
  constructor(
    readonly a: Tensor, // (M, K)
    readonly d: Tensor, // (M, N); the gradient is aᵀ·d, of shape (K, N)
  ) {}
}

export type Grad = Tensor | RowGrad | ProductGrad;

/** The gradient rule of one op: the output gradient in, one gradient per input out (null = none). */
export type BackwardRule = (dy: Tensor) => (Grad | null)[];

export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Set to null once used by a backward pass, so that a second pass is caught instead of double counting. */
  rule: BackwardRule | null;
}

export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly data: Float64Array;
  readonly shape: Shape;
  /** True for leaves whose gradient is wanted, and for anything computed from them. */
  readonly requiresGrad: boolean;
  /** For leaves: the gradient accumulated by backward() (null until then). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it is part of a graph. */
  readonly node: Node | null;

  constructor(
    data: Float64Array,
    shape: Shape,
    requiresGrad = false,
    node: Node | null = null,
    /** The kernels that ops on this tensor run on. */
    readonly backend: Kernels = tsKernels,
  ) {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${n}`);
    }
    this.data = data;
    this.shape = shape.slice();
    this.requiresGrad = requiresGrad || node !== null;
    this.node = node;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item(): tensor has shape [${this.shape.join(', ')}], not one element`);
    return this.data[0];
  }

  /** Nested JavaScript arrays, for printing and tests. */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (axis: number, offset: number): NestedArray[] => {
      const n = this.shape[axis];
      const stride = sizeOf(this.shape.slice(axis + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(axis === this.shape.length - 1 ? this.data[offset + i] : build(axis + 1, offset + i * stride));
      }
      return out;
    };
    return build(0, 0);
  }

  /** Same data (shared, not copied) and backend, cut off from any graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false, null, this.backend);
  }

  /** Same data (shared) and backend, as a fresh leaf that asks for its gradient. */
  asParam(): Tensor {
    return new Tensor(this.data, this.shape, true, null, this.backend);
  }

  /** A copy of the data on the JavaScript heap (it outlives any backend's step), same backend. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, false, null, this.backend);
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], data=${JSON.stringify(this.toArray())})`;
  }

  // ---- constructors -------------------------------------------------------------------------

  /** `data` (from backend's kernels) as a tensor on `backend`, outside any graph. */
  static on(backend: Kernels, data: Float64Array, shape: Shape): Tensor {
    return new Tensor(data, shape, false, null, backend);
  }

  static fromArray(values: NestedArray, requiresGrad = false): Tensor {
    const shape: number[] = [];
    let probe: NestedArray = values;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    const flat = new Float64Array(sizeOf(shape));
    let k = 0;
    const walk = (v: NestedArray, axis: number): void => {
      if (axis === shape.length) {
        if (typeof v !== 'number') throw new Error('Tensor.fromArray: ragged nested array');
        flat[k++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[axis]) throw new Error('Tensor.fromArray: ragged nested array');
      for (const e of v) walk(e, axis + 1);
    };
    walk(values, 0);
    return new Tensor(flat, shape, requiresGrad);
  }

  static scalar(value: number, requiresGrad = false): Tensor {
    return new Tensor(Float64Array.of(value), [], requiresGrad);
  }

  static zeros(shape: Shape, requiresGrad = false): Tensor {
    return new Tensor(new Float64Array(sizeOf(shape)), shape, requiresGrad);
  }

  static ones(shape: Shape, requiresGrad = false): Tensor {
    return Tensor.full(shape, 1, requiresGrad);
  }

  static full(shape: Shape, value: number, requiresGrad = false): Tensor {
    return new Tensor(new Float64Array(sizeOf(shape)).fill(value), shape, requiresGrad);
  }

  /** Standard normal entries times `scale`. */
  static randn(shape: Shape, rng: Rng, scale = 1, requiresGrad = false): Tensor {
    const t = Tensor.zeros(shape, requiresGrad);
    for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * scale;
    return t;
  }

  /** Uniform entries in [lo, hi). */
  static uniform(shape: Shape, rng: Rng, lo = 0, hi = 1, requiresGrad = false): Tensor {
    const t = Tensor.zeros(shape, requiresGrad);
    for (let i = 0; i < t.data.length; i++) t.data[i] = lo + (hi - lo) * rng.uniform();
    return t;
  }
}

/**
 * The backend an op on `inputs` runs on: the one they share, where tensors on the reference
 * backend (constants such as a lifted number, or a dropout mask) go along with any other.
 */
export function backendOf(op: string, inputs: readonly Tensor[]): Kernels {
  let be = tsKernels;
  for (const x of inputs) {
    if (x.backend === be || x.backend === tsKernels) continue;
    if (be !== tsKernels) throw new Error(`${op}: its inputs are on two backends, ${be.name} and ${x.backend.name}`);
    be = x.backend;
  }
  return be;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmtShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}
