// A TapeGraph as Graphviz's DOT language, and as SVG through Graphviz compiled to WebAssembly
// (@viz-js/viz: the same layout in Node, Deno and the browser, with no system install).
//
// Layout: data flows top to bottom, loss last; time runs left to right, and every node says its
// step (t=…); each layer has its own colour and a name at the left of its row. Edges from one
// step into the next (the recurrent state, drawn red) take no part in ranking
// (constraint=false), so every step lies at the same height. Parameters and inputs stand outside the steps, so a weight used
// at every step is one node with an edge into each step. Every node's tooltip (an SVG <title>,
// shown on hover) holds its value and gradient in full for small tensors.

import type { GraphEdge, GraphNode, Summary, TapeGraph } from './describe.ts';

const OP_SYMBOL: Record<string, string> = { matmul: '·', add: '+', sub: '−', mul: '⊙', div: '÷', sigmoid: 'σ', softmaxCrossEntropy: 'cross-entropy' };

function num(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

/** A summary in one short line: the numbers when few, else the L2 norm. */
export function formatSummary(s: Summary, most = 4): string {
  if (s.values && s.values.length <= most) return s.values.length === 1 ? num(s.values[0]) : `[${s.values.map(num).join(' ')}]`;
  return `‖·‖ ${num(s.norm)}`;
}

const shapeText = (shape: number[]): string => (shape.length === 0 ? 'scalar' : shape.join('×'));

/** What a node says: its name, shape, value and gradient, one per line. */
export function nodeText(n: GraphNode): string[] {
  const name = n.kind === 'op' && n.label === n.op ? (OP_SYMBOL[n.op] ?? n.op) : n.label;
  const lines = [`${name}${n.step !== undefined ? ` (t=${n.step})` : ''}  ${shapeText(n.shape)}`, `v ${formatSummary(n.value)}`];
  if (n.grad) lines.push(`g ${formatSummary(n.grad)}`);
  return lines;
}

/** The hover text: everything about a node. */
export function nodeTooltip(n: GraphNode): string {
  const where = [n.step !== undefined ? `step ${n.step}` : '', n.layer !== undefined ? `layer ${n.layer}` : ''].filter(Boolean).join(', ');
  const full = (s: Summary) => (s.values ? `[${s.values.map(num).join(', ')}]  (‖·‖ ${num(s.norm)})` : `‖·‖ ${num(s.norm)}`);
  const head = `${n.label}${n.op && n.op !== n.label ? ` = ${n.op}(…)` : ''}  ${shapeText(n.shape)}${where ? `  (${where})` : ''}`;
  return [head, `value ${full(n.value)}`, ...(n.grad ? [`grad  ${full(n.grad)}`] : [])].join('\n');
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

const STYLE: Record<GraphNode['kind'], string> = {
  param: 'shape=box, style="filled", fillcolor="#dbe9f6"',
  input: 'shape=box, style="filled,dashed", fillcolor="#eeeeee"',
  op: 'shape=box, style="rounded,filled"',
};

/** Op nodes' fill: the output layer, then layers 0, 1, 2, … in turn. */
const LAYER_FILL = ['#fbe3e8', '#ffffff', '#fff7d6', '#e3f4e1'];

export interface DotOptions {
  /** The output layer's name in each step. Default 'output'. */
  outputName?: string;
}

/** The graph in DOT. Steps left to right; layer 0 at the top, the output below. */
export function toDot(g: TapeGraph, options: DotOptions = {}): string {
  const out: string[] = [
    'digraph tape {',
    '  rankdir=TB; newrank=true; nodesep=0.2; ranksep=0.25;',
    '  node [fontname="Helvetica", fontsize=10, margin="0.06,0.03"];',
    '  edge [color="#555555", arrowsize=0.6];',
  ];
  const line = (n: GraphNode, fill = '#ffffff'): string => {
    const look = n.id === g.root ? 'penwidth=2, fillcolor="#fde4c8"' : n.kind === 'op' ? `fillcolor="${fill}"` : '';
    return `${n.id} [id=${quote(n.id)}, label=${quote(nodeText(n).join('\n'))}, tooltip=${quote(nodeTooltip(n))}, ${STYLE[n.kind]}${look ? `, ${look}` : ''}];`;
  };
  const step = new Map(g.nodes.map((n) => [n.id, n.step]));
  const crosses = (e: GraphEdge) => step.get(e.from) !== undefined && step.get(e.to) !== undefined && step.get(e.from) !== step.get(e.to);
  const feeders = new Set(g.edges.filter(crosses).map((e) => e.from));
  const bands = new Map<number, GraphNode[]>(); // layer → its nodes, every step
  for (const n of g.nodes) {
    if (n.step === undefined) out.push(`  ${line(n)}`);
    else bands.set(n.layer ?? g.layers, [...(bands.get(n.layer ?? g.layers) ?? []), n]);
  }
  for (const [l, nodes] of [...bands].sort((a, b) => a[0] - b[0])) {
    const name = l === g.layers - 1 && nodes.some((n) => n.op === 'softmaxCrossEntropy') ? (options.outputName ?? 'output') : `layer ${l}`;
    const fill = LAYER_FILL[name === `layer ${l}` ? 1 + (l % (LAYER_FILL.length - 1)) : 0];
    out.push(...nodes.map((n) => `  ${line(n, fill)}`));
    // NOTE: Graphviz honours the order of a flat edge (two nodes in one rank) outside clusters
    // only, so there are no clusters: in each layer, the node that each step hands on to the next
    // is tied into one rank, in order, after the layer's name.
    const anchors: string[] = [`layer_${l}`];
    out.push(`  layer_${l} [shape=plaintext, fontsize=11, label=${quote(name)}, fillcolor="${fill}", style=filled];`);
    for (let t = 0; t < g.steps; t++) {
      const a = nodes.find((n) => n.step === t && feeders.has(n.id)) ?? nodes.find((n) => n.step === t);
      if (a) anchors.push(a.id);
    }
    out.push(`  { rank=same; ${anchors.join('; ')}; }`, `  ${anchors.join(' -> ')} [style=invis, weight=10];`);
  }
  for (const e of g.edges) out.push(`  ${e.from} -> ${e.to}${edgeAttrs(e, crosses(e))};`);
  out.push('}');
  return out.join('\n') + '\n';
}

function edgeAttrs(e: GraphEdge, crossesSteps: boolean): string {
  const a = [...(e.view === 'transpose' ? ['label="ᵀ"', 'fontsize=9'] : []), ...(crossesSteps ? ['constraint=false', 'color="#b03030"'] : [])];
  return a.length ? ` [${a.join(', ')}]` : '';
}
