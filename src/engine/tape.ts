// The tape: recording ops and running them backward.
//
// Ops (ops/*.ts) compute their forward value and hand `record` a gradient rule. The rules only
// say how an output gradient becomes input gradients; everything else happens here, once:
//   - accumulation: a tensor used by many ops (Whh, at every time step) gets the sum (+=);
//   - broadcast reduction: a rule may return a gradient in the broadcast output shape, and it is
//     summed back down to the input's shape here;
//   - checks: a rule must return one gradient per input, of a shape that reduces to the input's,
//     and the error names the op and both shapes;
//   - a graph runs backward once: each node's rule is dropped after use, so a second backward()
//     through it throws instead of silently counting the gradient twice.

import { K } from './kernels/index.ts';
import { Tensor, fmtShape, sameShape, type BackwardRule, type Shape } from './tensor.ts';

/** Wrap a forward result; attach a node only if some input takes part in differentiation. */
export function record(op: string, inputs: Tensor[], data: Float64Array, shape: Shape, rule: BackwardRule): Tensor {
  for (const x of inputs) {
    if (x.requiresGrad) return new Tensor(data, shape, true, { op, inputs, rule });
  }
  return new Tensor(data, shape);
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

export function runBackward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) throw new Error('backward(): this tensor does not depend on any tensor that requires a gradient');
  if (seed === undefined) {
    if (root.size !== 1) throw new Error(`backward(): the output has shape ${fmtShape(root.shape)}; pass a seed gradient or reduce it to a scalar`);
    seed = new Tensor(new Float64Array(1).fill(1), root.shape);
  } else if (!sameShape(seed.shape, root.shape)) {
    throw new Error(`backward(): seed has shape ${fmtShape(seed.shape)} but the output has shape ${fmtShape(root.shape)}`);
  }
  if (root.node && root.node.rule === null) throw consumedError(root.node.op);

  const grads = new Map<Tensor, Tensor>();
  const owned = new Set<Tensor>(); // gradients this pass allocated itself and may add into
  grads.set(root, seed);

  for (const t of reverseTopo(root)) {
    const g = grads.get(t);
    grads.delete(t); // free intermediate gradients as soon as they are used
    if (!t.node) {
      // a leaf: keep its gradient
      if (g) t.grad = t.grad ? new Tensor(K.add(t.grad.data, g.data), t.shape) : owned.has(g) ? g : g.clone();
      continue;
    }
    const { op, inputs, rule } = t.node;
    if (rule === null) throw consumedError(op);
    t.node.rule = null;
    if (!g) continue;
    const inGrads = rule(g);
    if (inGrads.length !== inputs.length) {
      throw new Error(`${op}: backward returned ${inGrads.length} gradients for ${inputs.length} inputs`);
    }
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i];
      let gi = inGrads[i];
      if (!x.requiresGrad || gi === null) continue;
      if (!sameShape(gi.shape, x.shape)) gi = unbroadcast(op, i, gi, x.shape);
      const prev = grads.get(x);
      if (prev === undefined) {
        grads.set(x, gi);
      } else if (owned.has(prev)) {
        K.addInto(prev.data, gi.data);
      } else {
        const sum = new Tensor(K.add(prev.data, gi.data), x.shape);
        owned.add(sum);
        grads.set(x, sum);
      }
    }
  }
}

/** Sum a gradient in a broadcast shape back down to the input's shape. */
function unbroadcast(op: string, index: number, g: Tensor, to: Shape): Tensor {
  const from = g.shape;
  const lead = from.length - to.length;
  const ok = lead >= 0 && to.every((d, i) => d === from[i + lead] || d === 1);
  if (!ok) {
    throw new Error(`${op}: gradient for input ${index} has shape ${fmtShape(from)}, which does not reduce to the input's shape ${fmtShape(to)}`);
  }
  return new Tensor(K.sumTo(g.data, from, to), to);
}

function consumedError(op: string): Error {
  return new Error(`backward(): the graph through '${op}' was already used by an earlier backward(); build it again (run the forward pass) to differentiate again`);
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
    if (out.requiresGrad) out.backward();
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
