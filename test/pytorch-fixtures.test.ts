// Our CharRNN against PyTorch itself, through fixtures made by scripts/pytorch/ (see its README;
// the tests need no Python). PyTorch is the independent reference for the equations, the gate
// order and the parameter names:
//   charrnn-grads.json         per cell (rnn, lstm, gru): float64 parameters, a chunk, a nonzero
//                              initial state, and PyTorch's mean loss, gradients and final state;
//                              one case per cell with explicit dropout masks
//   lstm-torch*.safetensors    a 2-layer LSTM trained and saved by PyTorch (float32), with the
//                              logits after a prime and the mean loss over its text (in float64)
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../src/checkpoint/safetensors.ts';
import { Vocab } from '../src/data/vocab.ts';
import { valueAndGrad } from '../src/engine/tape.ts';
import { Tensor } from '../src/engine/tensor.ts';
import { charEvalLoss, charLossAndGrads } from '../src/models/charrnn.paths.ts';
import { type Batch, CELL_KINDS, charLoss, configOf, type Params, paramShapes, type State, stepper, zeroState } from '../src/models/charrnn.ts';

type Nested = number | Nested[];

interface GradCase {
  name: string;
  kind: string;
  V: number;
  H: number;
  L: number;
  T: number;
  B: number;
  dropout: number;
  params: Record<string, Nested>;
  inputs: number[];
  targets: number[];
  h0: Nested; // (L, B, H)
  c0: Nested | null;
  masks: number[][] | null; // L × (T·B·H)
  loss: number;
  grads: Record<string, Nested>;
  hN: Nested;
  cN: Nested | null;
}

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/pytorch/${name}`, import.meta.url));
const gradsFile = JSON.parse(fixture('charrnn-grads.json').toString('utf8')) as { header: { torch: string }; cases: GradCase[] };

/** A nested list (as torch's .tolist() writes it) as a Tensor of the same shape. */
function tensorOf(x: Nested): Tensor {
  const shape: number[] = [];
  for (let a: Nested = x; Array.isArray(a); a = a[0]) shape.push(a.length);
  const flat: number[] = [];
  const walk = (a: Nested): void => {
    if (Array.isArray(a)) a.forEach(walk);
    else flat.push(a);
  };
  walk(x);
  return new Tensor(Float64Array.from(flat), shape);
}

/** An (L, B, H) nested list as our per-layer B·H row-major arrays. */
const layersOf = (x: Nested): Float64Array[] => (x as Nested[]).map((layer) => tensorOf(layer).data);

function setup(c: GradCase): { p: Params; batch: Batch; state: State; masks: Float64Array[] | undefined } {
  const p: Params = {};
  for (const [name, value] of Object.entries(c.params)) p[name] = tensorOf(value);
  const batch: Batch = { inputs: c.inputs, targets: c.targets, T: c.T, B: c.B };
  const state: State = { h: layersOf(c.h0), c: c.c0 ? layersOf(c.c0) : [] };
  return { p, batch, state, masks: c.masks?.map((m) => Float64Array.from(m)) };
}

const lossOf = valueAndGrad((p: Params, batch: Batch, state: State, masks?: Float64Array[]) => charLoss(p, batch, state, masks).loss);

/** Gradients of a mean loss of order 1: relative 1e-9, with a floor for entries that are ~0. */
const TIGHT = { rtol: 1e-9, atol: 1e-14 };

function expectMatches(c: GradCase, got: { loss: number; grads: Params; state: State }): void {
  expect(got.loss).toBeAllClose(c.loss, { rtol: 1e-12, atol: 0 });
  expect(Object.keys(got.grads).sort()).toEqual(Object.keys(c.grads).sort());
  for (const [name, g] of Object.entries(c.grads)) expect(got.grads[name], name).toBeAllClose(tensorOf(g), TIGHT);
  const hN = layersOf(c.hN),
    cN = c.cN ? layersOf(c.cN) : [];
  expect(got.state.h.length).toBe(c.L);
  expect(got.state.c.length).toBe(cN.length);
  for (let l = 0; l < c.L; l++) {
    expect(got.state.h[l], `h[${l}]`).toBeAllClose(hN[l], { rtol: 1e-12, atol: 1e-15 });
    if (cN.length) expect(got.state.c[l], `c[${l}]`).toBeAllClose(cN[l], { rtol: 1e-12, atol: 1e-15 });
  }
}

describe('charrnn-grads.json (PyTorch float64 losses, gradients and final states)', () => {
  it('covers every cell at L = 1 and L = 2, with dropout masks and without, from a nonzero state', () => {
    for (const kind of CELL_KINDS) {
      const cases = gradsFile.cases.filter((c) => c.kind === kind);
      expect(cases.map((c) => c.L).sort()).toEqual([1, 2, 2]);
      expect(cases.filter((c) => c.masks).length).toBe(1);
    }
    for (const c of gradsFile.cases) {
      // Names and shapes are exactly our paramShapes: PyTorch's state_dict and ours agree.
      const config = { kind: c.kind as (typeof CELL_KINDS)[number], vocabSize: c.V, hiddenSize: c.H, layers: c.L };
      expect(Object.entries(c.params).map(([n, v]) => [n, tensorOf(v).shape])).toEqual(paramShapes(config));
      expect(configOf(setup(c).p)).toEqual(config);
      expect(layersOf(c.h0).some((h) => h.some((x) => x !== 0))).toBe(true);
      // A dropped entry, in every mask: the masks do drop something.
      if (c.masks) for (const m of c.masks) expect(m.some((x) => x === 0) && m.some((x) => x > 1)).toBe(true);
    }
  });

  for (const c of gradsFile.cases) {
    it(`tape: ${c.name} (T ${c.T}, B ${c.B}, V ${c.V}, H ${c.H})`, () => {
      const { p, batch, state, masks } = setup(c);
      const { value, grads } = lossOf(p, batch, state, masks);
      const next = charLoss(p, batch, state, masks).state;
      expectMatches(c, { loss: value, grads, state: next });
    });

    it(`manual: ${c.name}`, () => {
      const { p, batch, state, masks } = setup(c);
      expectMatches(c, charLossAndGrads('manual', p, batch, state, masks));
    });

    if (!c.masks) {
      it(`evaluation (charEvalLoss): ${c.name}`, () => {
        const { p, batch, state } = setup(c);
        const { loss, state: next } = charEvalLoss(p, batch, state);
        expect(loss).toBeAllClose(c.loss, { rtol: 1e-12, atol: 0 });
        layersOf(c.hN).forEach((h, l) => expect(next.h[l], `h[${l}]`).toBeAllClose(h, { rtol: 1e-12, atol: 1e-15 }));
        if (c.cN) layersOf(c.cN).forEach((cl, l) => expect(next.c[l], `c[${l}]`).toBeAllClose(cl, { rtol: 1e-12, atol: 1e-15 }));
      });
    }
  }
});

describe('lstm-torch.safetensors (a checkpoint saved by PyTorch)', () => {
  const expected = JSON.parse(fixture('lstm-torch-expected.json').toString('utf8')) as { text: string; prime: string; logits: number[]; loss: number };
  const file = decodeSafetensors(fixture('lstm-torch.safetensors'), 'lstm-torch.safetensors');
  const vocab = Vocab.fromJSON(JSON.parse(file.metadata.vocab));

  /** The model's tensors (F32 widened to float64 by the decoder) as Params. */
  function params(tensors: typeof file.tensors): Params {
    const p: Params = {};
    for (const [name, t] of Object.entries(tensors)) p[name] = new Tensor(t.data, t.shape);
    return p;
  }

  it('is float32, named and shaped as our LSTM, with the vocabulary of its text in our order', () => {
    const p = params(file.tensors);
    const config = configOf(p);
    expect(config).toEqual({ kind: 'lstm', vocabSize: vocab.size, hiddenSize: 8, layers: 2 });
    expect(
      Object.entries(p)
        .map(([n, t]) => [n, t.shape])
        .sort(),
    ).toEqual(paramShapes(config).sort());
    expect(Object.values(file.tensors).every((t) => t.dtype === 'F32')).toBe(true);
    // Python's sorted(set(text)) is by code point, as Vocab.fromText is.
    expect(vocab.toJSON()).toEqual(Vocab.fromText(expected.text).toJSON());
    expect(JSON.parse(fixture('lstm-torch-vocab.json').toString('utf8'))).toEqual(vocab.toJSON());
  });

  it('without metadata holds the same tensors', () => {
    const bare = decodeSafetensors(fixture('lstm-torch-novocab.safetensors'));
    expect(bare.metadata).toEqual({});
    expect(Object.keys(bare.tensors).sort()).toEqual(Object.keys(file.tensors).sort());
    for (const [name, t] of Object.entries(file.tensors)) expect(bare.tensors[name].data, name).toBeAllClose(t.data, { rtol: 0, atol: 0 });
  });

  it('gives the logits PyTorch gives after the prime (stepper, float64)', () => {
    const p = params(file.tensors);
    const step = stepper(p);
    let state = zeroState(configOf(p), 1);
    let logits: Float64Array = new Float64Array(0);
    for (const id of vocab.encode(expected.prime)) ({ logits, state } = step([id], state));
    expect(logits).toBeAllClose(expected.logits, { rtol: 1e-9, atol: 1e-12 });
  });

  it("gives PyTorch's mean loss over its text (charLoss and charEvalLoss, one stream)", () => {
    const p = params(file.tensors);
    const ids = vocab.encode(expected.text);
    const batch: Batch = { inputs: ids.slice(0, -1), targets: ids.slice(1), T: ids.length - 1, B: 1 };
    const zero = zeroState(configOf(p), 1);
    expect(charLoss(p, batch, zero).loss.item()).toBeAllClose(expected.loss, { rtol: 1e-12, atol: 0 });
    expect(charEvalLoss(p, batch, zero).loss).toBeAllClose(expected.loss, { rtol: 1e-12, atol: 0 });
  });
});
