// "See the graph": the computation graph that the tape records for three steps of the chosen cell
// (a small fresh model: hidden size 3, the text "hello"), drawn by Graphviz in WebAssembly. Hovering
// a node shows its value and gradient in full. Runs on the page itself: the graph is tiny.

import { type GraphModel, modelGraph, nodeTooltip, type SvgRenderer, svgRenderer, type TapeGraph, toDot } from '../src/core.ts';

const STEPS = 3;
const HIDDEN = 3;
const MAX_LAYERS = 3;

export function mountGraphPanel(): void {
  const get = (id: string): HTMLElement => {
    const e = document.getElementById(id);
    if (!e) throw new Error(`the page has no #${id}`);
    return e;
  };
  const button = get('graph-btn'),
    view = get('graph-view'),
    info = get('graph-info'),
    hover = get('graph-hover');
  let render: Promise<SvgRenderer> | null = null; // Graphviz, loaded on the first click
  let graph: TapeGraph | null = null;

  button.onclick = async () => {
    const kind = (document.getElementById('kind') as HTMLSelectElement | null)?.value ?? 'lstm';
    const layers = Math.min(MAX_LAYERS, Math.max(1, Number((document.getElementById('layers') as HTMLInputElement | null)?.value) || 1));
    info.textContent = 'drawing…';
    try {
      render ??= svgRenderer();
      graph = modelGraph({ model: kind as GraphModel, layers, seq: STEPS, hidden: HIDDEN, text: 'hello' });
      view.innerHTML = (await render)(toDot(graph));
      info.textContent = `${kind}, ${layers} layer${layers > 1 ? 's' : ''}, ${STEPS} steps, hidden size ${HIDDEN}: ${graph.nodes.length} nodes, ${graph.edges.length} edges. Blue: parameters (each once, with an edge into every step that uses it); red edges carry the state to the next step. Hover a node for its value and gradient.`;
      document.body.dataset.graph = 'drawn';
    } catch (err) {
      render = null;
      info.textContent = `could not draw the graph: ${err instanceof Error ? err.message : String(err)}`;
    }
  };

  view.addEventListener('mouseover', (ev) => {
    const g = (ev.target as Element).closest('g.node');
    const node = g && graph?.nodes.find((n) => n.id === g.id);
    if (node) hover.textContent = nodeTooltip(node);
  });
}
