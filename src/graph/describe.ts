// What the tape recorded, as a graph a person can read: nodes (parameters, inputs, op results)
// and edges (data flow), with values and gradients, grouped by time step and layer.
//
// The tape (engine/tape.ts) already is a graph: every tensor computed from a parameter carries a
// node with its op and inputs. describeGraph walks it from the loss down. Two things the tape does
// not know are supplied by a GraphLabels object that the forward code fills in as it runs: names
// (`h`, `Whh`, `i`) and where a tensor belongs (step t, layer l). Nothing here is global.
//
// A transpose or reshape of a leaf (Whhᵀ, computed once before the time loop) is a view of the
// parameter, not a computation worth a box: it is drawn as the parameter itself, so a weight used
// at every step shows one edge per use, and the edge says ᵀ.

import { runBackward } from '../engine/tape.ts';
import type { Tensor } from '../engine/tensor.ts';

export type NodeKind = 'param' | 'input' | 'op';

/** A tensor's numbers in brief: its L2 norm, and the numbers themselves when there are few. */
export interface Summary {
  norm: number;
  values?: number[]; // row-major, when size ≤ maxValues
}

export interface GraphNode {
  id: string; // n0, n1, … in the order of a depth-first walk from the loss
  kind: NodeKind;
  label: string; // the given name, else the op
  op?: string; // the engine's op name, for op nodes
  shape: number[];
  step?: number; // time step, counted from 0
  layer?: number; // layer, counted from 0 (the output layer is `layers`)
  value: Summary;
  grad?: Summary; // d loss / d this tensor, summed over all its uses
}

export interface GraphEdge {
  from: string;
  to: string;
  input: number; // which input of `to` this is
  view?: 'transpose' | 'reshape'; // the edge goes through a view of a leaf
}

export interface TapeGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  root: string; // the id of the loss
  steps: number; // 1 + the largest step, 0 if none
  layers: number; // 1 + the largest layer, 0 if none
}

interface Place {
  step?: number;
  layer?: number;
}

/** Names and places of tensors, filled in by forward code that wants its graph drawn. */
export class GraphLabels {
  readonly names = new Map<Tensor, { label: string; kind?: NodeKind }>();
  readonly places = new Map<Tensor, Place>();

  /** Give a tensor a name; `kind` marks a leaf as an input (data) rather than a parameter. */
  name<T extends Tensor>(t: T, label: string, kind?: NodeKind): T {
    this.names.set(t, { label, kind });
    return t;
  }

  /** Name every tensor of a record by its key (a model's parameters). */
  params(p: Record<string, Tensor>): void {
    for (const [k, t] of Object.entries(p)) this.name(t, k, 'param');
  }

  /**
   * Put `outputs`, and every op that led to them and has no place yet, at step/layer `where`.
   * The walk stops at leaves, at views of leaves and at tensors already placed: call it at the
   * end of each step, and the ops of that step are exactly the ones it finds.
   */
  place(outputs: Tensor[], where: Place): void {
    const stack = [...outputs];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (!t.node || this.places.has(t) || leafView(t)) continue;
      this.places.set(t, where);
      stack.push(...t.node.inputs);
    }
  }
}

export interface DescribeOptions {
  labels?: GraphLabels;
  /** Run backward from the root (a scalar) and annotate every node with its gradient. Consumes the graph. */
  gradients?: boolean;
  /** Tensors of at most this many numbers show them all; larger ones only their norm. Default 6. */
  maxValues?: number;
}

/** Turn the graph the tape recorded below `root` (a loss) into nodes and edges. */
export function describeGraph(root: Tensor, options: DescribeOptions = {}): TapeGraph {
  const labels = options.labels ?? new GraphLabels();
  const maxValues = options.maxValues ?? 6;
  if (!root.requiresGrad) throw new Error('describeGraph: the tensor depends on no parameter, so the tape recorded nothing');
  const ids = new Map<Tensor, string>();
  const order: Tensor[] = [];
  const edges: GraphEdge[] = [];
  // Depth-first from the root, without recursion (a graph of T steps is T deep).
  const stack: Tensor[] = [root];
  ids.set(root, 'n0');
  order.push(root);
  const idOf = (t: Tensor): string => {
    let id = ids.get(t);
    if (id === undefined) {
      id = `n${ids.size}`;
      ids.set(t, id);
      order.push(t);
      stack.push(t);
    }
    return id;
  };
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (!t.node) continue;
    t.node.inputs.forEach((x, input) => {
      if (!x.requiresGrad) return; // constants (a dropout mask, a fixed state) are not drawn
      const view = leafView(x);
      const from = idOf(view ? view.leaf : x);
      edges.push(view ? { from, to: ids.get(t)!, input, view: view.op } : { from, to: ids.get(t)!, input });
    });
  }

  const grads = new Map<Tensor, Float64Array>();
  if (options.gradients) runBackward(root, undefined, (t, g) => grads.set(t, Float64Array.from(g.data)));

  const summary = (data: Float64Array): Summary => {
    let s = 0;
    for (const v of data) s += v * v;
    return data.length <= maxValues ? { norm: Math.sqrt(s), values: Array.from(data) } : { norm: Math.sqrt(s) };
  };
  let steps = 0,
    layers = 0;
  const nodes = order.map((t): GraphNode => {
    const named = labels.names.get(t);
    const place = labels.places.get(t) ?? {};
    const kind: NodeKind = t.node ? 'op' : named?.kind === 'input' ? 'input' : 'param';
    const node: GraphNode = { id: ids.get(t)!, kind, label: named?.label ?? t.node?.op ?? 'leaf', shape: [...t.shape], value: summary(t.data) };
    if (t.node) node.op = t.node.op;
    if (place.step !== undefined) steps = Math.max(steps, (node.step = place.step) + 1);
    if (place.layer !== undefined) layers = Math.max(layers, (node.layer = place.layer) + 1);
    const g = grads.get(t);
    if (g) node.grad = summary(g);
    else if (options.gradients) node.grad = summary(new Float64Array(t.size)); // reached, but no gradient flowed
    return node;
  });
  return { nodes, edges, root: 'n0', steps, layers };
}

/** A transpose or reshape whose input is a leaf: drawn as the leaf itself. */
function leafView(t: Tensor): { leaf: Tensor; op: 'transpose' | 'reshape' } | null {
  const n = t.node;
  if (!n || (n.op !== 'transpose' && n.op !== 'reshape') || n.inputs.length !== 1 || n.inputs[0].node) return null;
  return { leaf: n.inputs[0], op: n.op };
}
