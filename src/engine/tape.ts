// The tape: recording ops and running them backward.
//
// Ops (ops/*.ts) compute their forward value and hand `record` a gradient rule. The rules only
// say how an output gradient becomes input gradients; everything else happens here, once:
//   - accumulation: a tensor used by many ops (Whh, at every time step) gets the sum (+=);
//   - broadcast reduction: a rule may return a gradient in the broadcast output shape, and it is
//     summed back down to the input's shape here;
//   - checks: a rule must return one gradient per input, of a shape that reduces to the input's,
//     and the error names the op and both shapes;
//   - structured gradients: a RowGrad (slicing or gathering rows) is added into its rows in place,
//     and the ProductGrads a weight receives at every time step are summed as one matrix product;
//   - a graph runs backward once: each node's rule is dropped after use, so a second backward()
//     through it throws instead of silently counting the gradient twice.
// A tensor's gradient is summed on that tensor's backend (tensor.ts), so the whole backward pass
// runs where the forward pass ran.

import type { Kernels } from './kernels/index.ts';
import { type BackwardRule, backendOf, fmtShape, type Grad, ProductGrad, RowGrad, type Shape, sameShape, sizeOf, Tensor } from './tensor.ts';

/** Wrap a forward result (on its inputs' backend); attach a node only if some input takes part in differentiation. */
export function record(op: string, inputs: Tensor[], data: Float64Array, shape: Shape, rule: BackwardRule): Tensor {
  const be = backendOf(op, inputs);
  for (const x of inputs) {
    if (x.requiresGrad) return new Tensor(data, shape, true, { op, inputs, rule }, be);
  }
  return Tensor.on(be, data, shape);
}

/** Reverse topological order of the graph below `root` (root first), without recursion. */
function reverseTopo(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node ? t.node.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !seen.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Reverse-mode differentiation from `y`. With no seed `y` must be a scalar (the loss) and its
 * gradient seed is 1; pass `seed` (same shape) to start from another gradient. Fills `.grad` of
 * every leaf with requiresGrad, adding to what is already there.
 */
export function backward(y: Tensor, seed?: Tensor): void {
  runBackward(y, seed);
}

/**
 * `observe`, when given, is called once with every tensor of the graph (leaves too) and its whole
 * gradient, summed over all uses, just before the tape lets go of it: intermediate gradients are
 * otherwise freed as soon as they are used (the graph drawing in src/graph/ shows them).
 */
export function runBackward(root: Tensor, seed?: Tensor, observe?: (t: Tensor, grad: Tensor) => void): void {
  if (!root.requiresGrad) throw new Error('backward(): this tensor does not depend on any tensor that requires a gradient');
  if (seed === undefined) {
    if (root.size !== 1) throw new Error(`backward(): the output has shape ${fmtShape(root.shape)}; pass a seed gradient or reduce it to a scalar`);
    seed = new Tensor(new Float64Array(1).fill(1), root.shape);
  } else if (!sameShape(seed.shape, root.shape)) {
    throw new Error(`backward(): seed has shape ${fmtShape(seed.shape)} but the output has shape ${fmtShape(root.shape)}`);
  }
  const order = reverseTopo(root);
  // Check the whole graph first, so a refused backward() leaves every .grad untouched.
  for (const t of order) if (t.node && t.node.rule === null) throw consumedError(t.node.op);

  const sums = new Map<Tensor, GradSum>();
  sums.set(root, new GradSum(root.shape, root.backend).add('backward', 0, seed));

  // Reverse topological order: every consumer of a tensor is done before the tensor itself.
  for (const t of order) {
    const sum = sums.get(t);
    sums.delete(t); // free intermediate gradients as soon as they are used
    if (sum && observe) observe(t, sum.total());
    if (!t.node) {
      // a leaf: keep its gradient
      if (sum) t.grad = t.grad ? Tensor.on(t.backend, t.backend.add(t.grad.data, sum.total().data), t.shape) : sum.total(true);
      continue;
    }
    const { op, inputs, rule } = t.node;
    t.node.rule = null;
    if (!sum) continue;
    const inGrads = rule!(sum.total());
    if (inGrads.length !== inputs.length) {
      throw new Error(`${op}: backward returned ${inGrads.length} gradients for ${inputs.length} inputs`);
    }
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i],
        g = inGrads[i];
      if (!x.requiresGrad || g === null) continue;
      let s = sums.get(x);
      if (!s) sums.set(x, (s = new GradSum(x.shape, x.backend)));
      s.add(op, i, g);
    }
  }
}

/** The gradient of one tensor, summed over all its uses during a backward pass. */
class GradSum {
  private dense: Tensor | null = null;
  private owned = false; // true once `dense` is a buffer of our own that we may add into
  private readonly lhs: Tensor[] = []; // pending Σ lhsᵢᵀ·rhsᵢ (ProductGrads)
  private readonly rhs: Tensor[] = [];

  constructor(
    readonly shape: Shape,
    private readonly be: Kernels,
  ) {}

  add(op: string, index: number, g: Grad): this {
    if (g instanceof RowGrad) {
      const rowSize = this.shape.length === 0 ? 1 : sizeOf(this.shape.slice(1));
      const nRows = this.shape[0] ?? 1;
      if (g.values.size !== g.rows.length * rowSize || g.rows.some((r) => r < 0 || r >= nRows)) {
        throw new Error(
          `${op}: row gradient for input ${index} (${g.rows.length} rows, values ${fmtShape(g.values.shape)}) does not fit the input's shape ${fmtShape(this.shape)}`,
        );
      }
      this.be.scatterAddRows(this.own().data, rowSize, g.rows, g.values.data);
    } else if (g instanceof ProductGrad) {
      const [M, Kd] = g.a.shape,
        [M2, N] = g.d.shape;
      if (g.a.rank !== 2 || g.d.rank !== 2 || M !== M2 || Kd !== this.shape[0] || N !== this.shape[1] || this.shape.length !== 2) {
        throw new Error(
          `${op}: product gradient ${fmtShape(g.a.shape)}ᵀ·${fmtShape(g.d.shape)} for input ${index} does not fit the input's shape ${fmtShape(this.shape)}`,
        );
      }
      this.lhs.push(g.a);
      this.rhs.push(g.d);
    } else {
      const gi = sameShape(g.shape, this.shape) ? g : unbroadcast(this.be, op, index, g, this.shape);
      if (this.dense === null)
        this.dense = gi; // borrowed until we need to add into it
      else this.be.addInto(this.own().data, gi.data);
    }
    return this;
  }

  /** The summed gradient; with `mine`, a buffer nobody else holds. */
  total(mine = false): Tensor {
    if (this.lhs.length > 0) {
      const [Kd, N] = this.shape;
      const A =
        this.lhs.length === 1
          ? this.lhs[0].data
          : this.be.concatAxis(
              this.lhs.map((t) => t.data),
              this.lhs.map((t) => t.shape),
              0,
            );
      const D =
        this.rhs.length === 1
          ? this.rhs[0].data
          : this.be.concatAxis(
              this.rhs.map((t) => t.data),
              this.rhs.map((t) => t.shape),
              0,
            );
      this.be.matmulTN(A, D, this.own().data, Kd, A.length / Kd, N, true);
      this.lhs.length = 0;
      this.rhs.length = 0;
    }
    if (this.dense === null) return Tensor.on(this.be, this.be.zeros(sizeOf(this.shape)), this.shape);
    return mine ? this.own() : this.dense;
  }

  private own(): Tensor {
    if (this.dense === null) this.dense = Tensor.on(this.be, this.be.zeros(sizeOf(this.shape)), this.shape);
    else if (!this.owned) this.dense = Tensor.on(this.be, this.be.copy(this.dense.data), this.shape);
    this.owned = true;
    return this.dense;
  }
}

/** Sum a gradient in a broadcast shape back down to the input's shape. */
function unbroadcast(be: Kernels, op: string, index: number, g: Tensor, to: Shape): Tensor {
  const from = g.shape;
  const lead = from.length - to.length;
  const ok = lead >= 0 && to.every((d, i) => d === from[i + lead] || d === 1);
  if (!ok) {
    throw new Error(`${op}: gradient for input ${index} has shape ${fmtShape(from)}, which does not reduce to the input's shape ${fmtShape(to)}`);
  }
  return Tensor.on(be, be.sumTo(g.data, from, to), to);
}

function consumedError(op: string): Error {
  return new Error(
    `backward(): the graph through '${op}' was already used by an earlier backward(); build it again (run the forward pass) to differentiate again`,
  );
}

/** Gradients of the scalar `f(params)` with respect to every entry of `params`, plus its value. */
export function valueAndGrad<P extends Record<string, Tensor>, A extends unknown[]>(
  f: (params: P, ...args: A) => Tensor,
): (params: P, ...args: A) => { value: number; grads: { [k in keyof P]: Tensor } } {
  return (params, ...args) => {
    const leaves = {} as Record<string, Tensor>;
    for (const k of Object.keys(params)) leaves[k] = params[k].asParam();
    const out = f(leaves as P, ...args);
    if (out.size !== 1) throw new Error(`valueAndGrad: the function returned shape ${fmtShape(out.shape)}, not a scalar`);
    const grads = {} as Record<string, Tensor>;
    if (out.requiresGrad) runBackward(out);
    for (const k of Object.keys(leaves)) grads[k] = leaves[k].grad ?? Tensor.zeros(leaves[k].shape);
    return { value: out.item(), grads: grads as { [k in keyof P]: Tensor } };
  };
}

/** Like valueAndGrad, gradients only. */
export function grad<P extends Record<string, Tensor>, A extends unknown[]>(
  f: (params: P, ...args: A) => Tensor,
): (params: P, ...args: A) => { [k in keyof P]: Tensor } {
  const vg = valueAndGrad(f);
  return (params, ...args) => vg(params, ...args).grads;
}
