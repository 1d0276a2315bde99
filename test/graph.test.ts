// The tape's graph: exact nodes and edges of a tiny known function, values and gradients against
// hand-computed ones, a weight used at T steps with T uses, the drawable models against the
// training models, and the SVG (every label, steps left to right).
import { describe, expect, it } from 'vitest';
import {
  add,
  backward,
  charLoss,
  charrnn,
  charUnrolled,
  describeGraph,
  GraphLabels,
  initParams,
  matmul,
  minCharUnrolled,
  modelGraph,
  nodeText,
  type Params,
  Rng,
  rnnLoss,
  sum,
  svgRenderer,
  type TapeGraph,
  Tensor,
  tanh,
  toDot,
  valueAndGrad,
  zeroState,
} from '../src/index.ts';

/** tanh(W·x + b) summed, with W (2, 3) and b (2, 1) parameters and x (3, 1) an input. */
function tiny() {
  const labels = new GraphLabels();
  const W = labels.name(
    Tensor.fromArray(
      [
        [0.1, -0.2, 0.3],
        [0.4, 0.5, -0.6],
      ],
      true,
    ),
    'W',
  );
  const x = labels.name(Tensor.fromArray([[1], [2], [-1]], true), 'x', 'input');
  const b = labels.name(Tensor.fromArray([[0.05], [-0.1]], true), 'b');
  const loss = sum(tanh(add(matmul(W, x), b)));
  return { graph: describeGraph(loss, { labels, gradients: true }), labels };
}

const byLabel = (g: TapeGraph, label: string) => g.nodes.filter((n) => n.label === label);

describe('describeGraph', () => {
  it('draws tanh(W·x + b) summed as exactly its seven nodes and six edges', () => {
    const { graph: g } = tiny();
    const kinds = g.nodes.map((n) => `${n.kind}:${n.label}`).sort();
    expect(kinds).toEqual(['input:x', 'op:add', 'op:matmul', 'op:sum', 'op:tanh', 'param:W', 'param:b'].sort());
    const id = (label: string) => byLabel(g, label)[0].id;
    const edges = g.edges.map((e) => `${e.from}->${e.to}#${e.input}`).sort();
    expect(edges).toEqual(
      [
        `${id('W')}->${id('matmul')}#0`,
        `${id('x')}->${id('matmul')}#1`,
        `${id('matmul')}->${id('add')}#0`,
        `${id('b')}->${id('add')}#1`,
        `${id('add')}->${id('tanh')}#0`,
        `${id('tanh')}->${id('sum')}#0`,
      ].sort(),
    );
    expect(g.root).toBe(id('sum'));
    expect(g.steps).toBe(0);
    expect(g.layers).toBe(0);
  });

  it('annotates values and gradients that match a hand computation', () => {
    const { graph: g } = tiny();
    // W·x + b = [0.1 − 0.4 − 0.3 + 0.05, 0.4 + 1 + 0.6 − 0.1] = [−0.55, 1.9]
    const a = [-0.55, 1.9],
      h = a.map(Math.tanh),
      dh = h.map((y) => 1 - y * y);
    const node = (label: string) => byLabel(g, label)[0];
    expect(node('add').value.values).toBeAllClose(a, { atol: 1e-15 });
    expect(node('tanh').value.values).toBeAllClose(h, { atol: 1e-15 });
    expect(node('sum').value.values).toBeAllClose([h[0] + h[1]], { atol: 1e-15 });
    expect(node('sum').grad!.values).toEqual([1]);
    expect(node('tanh').grad!.values).toEqual([1, 1]);
    expect(node('add').grad!.values).toBeAllClose(dh, { atol: 1e-15 });
    expect(node('b').grad!.values).toBeAllClose(dh, { atol: 1e-15 });
    // dW = dh ⊗ xᵀ, dx = Wᵀ·dh
    expect(node('W').grad!.values).toBeAllClose([dh[0], 2 * dh[0], -dh[0], dh[1], 2 * dh[1], -dh[1]], { atol: 1e-15 });
    expect(node('x').grad!.values).toBeAllClose([0.1 * dh[0] + 0.4 * dh[1], -0.2 * dh[0] + 0.5 * dh[1], 0.3 * dh[0] - 0.6 * dh[1]], { atol: 1e-15 });
    expect(node('W').grad!.norm).toBeCloseTo(Math.hypot(dh[0], dh[1]) * Math.sqrt(6), 12);
  });

  it('shows only the norm of a tensor larger than maxValues', () => {
    const labels = new GraphLabels();
    const W = labels.name(Tensor.fromArray([[3, 4]], true), 'W');
    const g = describeGraph(sum(W), { labels, maxValues: 1 });
    expect(byLabel(g, 'W')[0].value).toEqual({ norm: 5 });
    expect(byLabel(g, 'W')[0].grad).toBeUndefined(); // not asked for
  });

  it('refuses a tensor that the tape never saw', () => {
    expect(() => describeGraph(sum(Tensor.fromArray([1, 2])))).toThrow(/recorded nothing/);
  });
});

describe('the unrolled models', () => {
  it('min-char-rnn: a weight used at T steps has T uses, and Whh carries the state along', () => {
    for (const T of [1, 3, 5]) {
      const g = modelGraph({ model: 'minchar', layers: 1, seq: T, hidden: 3 });
      expect(g.steps).toBe(T);
      for (const name of ['Whh', 'Wxh', 'Why', 'bh', 'by']) {
        const [p] = byLabel(g, name);
        expect(p.kind, name).toBe('param');
        const uses = g.edges.filter((e) => e.from === p.id);
        expect(uses.length, name).toBe(T);
        expect(new Set(uses.map((e) => g.nodes.find((n) => n.id === e.to)!.step)), name).toEqual(new Set([...Array(T).keys()]));
      }
      expect(
        byLabel(g, 'h')
          .map((n) => n.step)
          .sort(),
      ).toEqual([...Array(T).keys()]);
    }
  });

  it('LSTM, GRU, RNN: every weight matrix appears once, used once per step and layer', () => {
    for (const model of ['lstm', 'gru', 'rnn'] as const) {
      const g = modelGraph({ model, layers: 2, seq: 3, hidden: 2 });
      for (const l of [0, 1]) {
        for (const name of [`rnn.weight_hh_l${l}`, `rnn.weight_ih_l${l}`]) {
          expect(byLabel(g, name).length).toBe(1);
          const uses = g.edges.filter((e) => e.from === byLabel(g, name)[0].id);
          expect(uses.map((e) => g.nodes.find((n) => n.id === e.to)!.step).sort(), `${model} ${name}`).toEqual([0, 1, 2]);
          expect(uses.every((e) => e.view === 'transpose')).toBe(true);
        }
      }
      expect(g.layers).toBe(3); // two layers and the output
    }
  });

  const asParams = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, t.asParam()]));

  it('min-char-rnn step by step is rnnLoss: the same loss and the same gradients', () => {
    const config = { vocabSize: 5, hiddenSize: 4, layers: 2 };
    const p = initParams(config, new Rng(3));
    for (const t of Object.values(p)) for (let i = 0; i < t.size; i++) t.data[i] += 0.3 * Math.sin(i + t.size); // off zero biases
    const inputs = [0, 3, 1, 4],
      targets = [3, 1, 4, 2];
    const hprev = zeroState(config).map((h, l) => h.map((_, i) => 0.1 * (i - l)));
    const ref = valueAndGrad((q: Params) => rnnLoss(q, inputs, targets, hprev).loss)(p);
    const q = asParams(p);
    const { loss } = minCharUnrolled(q, inputs, targets, hprev);
    expect(loss.item()).toBeCloseTo(ref.value, 12);
    backward(loss);
    for (const k of Object.keys(p)) expect(q[k].grad!.data, k).toBeAllClose(ref.grads[k].data, { rtol: 1e-10, atol: 1e-13 });
  });

  it("char-rnn's cells step by step are charLoss for one stream: the same loss and gradients", () => {
    for (const kind of ['rnn', 'lstm', 'gru'] as const) {
      const config = { kind, vocabSize: 4, hiddenSize: 3, layers: 2 };
      const p = charrnn.initParams(config, new Rng(7), 0.5);
      const inputs = [1, 0, 3],
        targets = [0, 3, 2];
      const state = charrnn.zeroState(config, 1);
      for (const a of [...state.h, ...state.c]) a.forEach((_, i) => (a[i] = 0.2 * Math.cos(i)));
      const ref = valueAndGrad((q: Params) => charLoss(q, { inputs, targets, T: 3, B: 1 }, state).loss)(p);
      const q = asParams(p);
      const { loss } = charUnrolled(q, inputs, targets, state);
      expect(loss.item(), kind).toBeCloseTo(ref.value, 12);
      backward(loss);
      for (const k of Object.keys(p)) expect(q[k].grad!.data, `${kind} ${k}`).toBeAllClose(ref.grads[k].data, { rtol: 1e-10, atol: 1e-13 });
    }
  });
});

describe('the drawing', () => {
  const decode = (s: string) =>
    s
      .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  const squash = (s: string) => s.replace(/[\s\u00a0]+/g, ' ').trim();
  const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => squash(decode(m[1])));

  it('renders to SVG holding every node with its label, and a tooltip with its gradient', async () => {
    const render = await svgRenderer();
    const g = modelGraph({ model: 'lstm', layers: 1, seq: 2, hidden: 2 });
    const svg = render(toDot(g));
    expect(svg).toMatch(/^<\?xml|^<svg|<svg /);
    const shown = texts(svg);
    for (const n of g.nodes) {
      expect(svg, n.id).toContain(`id="${n.id}"`);
      for (const line of nodeText(n)) expect(shown, `${n.id} ${line}`).toContain(squash(line));
    }
    expect(decode(svg)).toMatch(/title="[^"]*\ngrad[\s\u00a0]+\[/); // the full numbers on hover
  });

  it('draws the steps left to right, whatever the cell, depth and length', async () => {
    const render = await svgRenderer();
    for (const model of ['gru', 'lstm', 'rnn', 'minchar'] as const) {
      for (const [layers, seq] of [
        [1, 4],
        [2, 5],
        [3, 6],
        [2, 4],
      ]) {
        const g = modelGraph({ model, layers, seq, hidden: 2 });
        const svg = render(toDot(g));
        // the x of every hidden state h, per step
        const x = new Map<string, number>();
        for (const m of svg.matchAll(/<g id="(n\d+)" class="node">[\s\S]*?<text[^>]*x="([\d.-]+)"/g)) x.set(m[1], Number(m[2]));
        for (let l = 0; l < layers; l++) {
          const hs = g.nodes
            .filter((n) => n.label === 'h' && n.layer === l)
            .sort((a, b) => a.step! - b.step!)
            .map((n) => x.get(n.id)!);
          expect(hs.length).toBe(seq);
          for (let t = 1; t < seq; t++) expect(hs[t], `${model} L=${layers} T=${seq} layer ${l} step ${t}`).toBeGreaterThan(hs[t - 1]);
        }
      }
    }
  }, 60_000);

  it('reports a Graphviz error in one line', async () => {
    const render = await svgRenderer();
    expect(() => render('digraph { a -> }')).toThrow(/^graphviz: /);
  });
});
