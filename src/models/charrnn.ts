// char-rnn's models — vanilla RNN (tanh), LSTM and GRU with L stacked layers and a linear decoder —
// written forward-only on the engine, over B parallel streams; the tape supplies the gradients.
// The hand-derived versions are rnn.manual.ts, lstm.manual.ts and gru.manual.ts.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams, G gates (1, 4, 3).
// Layers count from 0, as in PyTorch. x_t is the one-hot of the input character (so W_ih·x_t is
// column x_t of W_ih), in[0] = x, in[l] = h[l−1] (after dropout when training).
//
// Equations and gate order are exactly those of PyTorch's nn.RNN, nn.LSTM (i, f, g, o) and
// nn.GRU (r, z, n), with two biases per gate:
//   rnn   h' = tanh(W_ih·in + b_ih + W_hh·h + b_hh)
//   lstm  i = σ(..i), f = σ(..f), g = tanh(..g), o = σ(..o)   where ..k = W_ik·in + b_ik + W_hk·h + b_hk
//         c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
//   gru   r = σ(W_ir·in + b_ir + W_hr·h + b_hr),   z = σ(W_iz·in + b_iz + W_hz·h + b_hz)
//         n = tanh(W_in·in + b_in + r ⊙ (W_hn·h + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h
//   logits_t = W_dec·drop(h[L−1]_t) + b_dec,   loss = mean over the T·B predictions of −log softmax[target]
// NOTE: char-rnn's GRU applies the reset gate before the product, W_hn·(r ⊙ h); PyTorch's (and
// cuDNN's), used here, applies it after, r ⊙ (W_hn·h + b_hn). char-rnn also gives z the other
// role, h' = z ⊙ n + (1 − z) ⊙ h. The two are different functions, so char-rnn GRU weights do not
// carry over; PyTorch's do, unchanged.
//
// Parameter names and shapes are those of the state_dict of the PyTorch module in the README:
//   rnn.weight_ih_l{l} (G·H, V or H)   rnn.weight_hh_l{l} (G·H, H)   rnn.bias_ih_l{l}, rnn.bias_hh_l{l} (G·H)
//   decoder.weight (V, H)   decoder.bias (V)
// Gate k of layer l is rows [k·H, (k+1)·H) of its weights and biases.

import { add, mul, sigmoid, sub, tanh } from '../engine/ops/elementwise.ts';
import { softmaxCrossEntropy } from '../engine/ops/loss.ts';
import { matmul, transpose } from '../engine/ops/matmul.ts';
import { concat, gatherRows, slice } from '../engine/ops/shape.ts';
import type { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';
import { unreachable } from '../errors.ts';

// A new cell kind is added to CellKind and to the three tables below; then every `switch` over the
// kinds that does not handle it (here, in the manual models and in src/fast/) fails to compile at
// its `unreachable` (docs/extending.md).
export type CellKind = 'rnn' | 'lstm' | 'gru';
/** Gates per cell: the factor G in the (G·H)-row weights. */
export const GATES: Readonly<Record<CellKind, number>> = { rnn: 1, lstm: 4, gru: 3 };
/** Whether a cell carries a memory cell c beside h (State.c, the checkpoint's state.c_l<l>). */
export const HAS_CELL_STATE: Readonly<Record<CellKind, boolean>> = { rnn: false, lstm: true, gru: false };
/**
 * The gates' names in the order a step reports their activations (PyTorch's order): the LSTM's
 * input, forget and output gates (σ) and its candidate g (tanh); the GRU's reset and update gates
 * (σ) and its candidate n (tanh). The vanilla RNN has none.
 */
export const GATE_NAMES: Readonly<Record<CellKind, readonly string[]>> = { rnn: [], lstm: ['i', 'f', 'g', 'o'], gru: ['r', 'z', 'n'] };
export const CELL_KINDS = Object.keys(GATES) as readonly CellKind[];

export interface CharRNNConfig {
  kind: CellKind;
  vocabSize: number; // V
  hiddenSize: number; // H
  layers: number; // L
}

export type Params = Record<string, Tensor>;

export const weightIH = (l: number): string => `rnn.weight_ih_l${l}`;
export const weightHH = (l: number): string => `rnn.weight_hh_l${l}`;
export const biasIH = (l: number): string => `rnn.bias_ih_l${l}`;
export const biasHH = (l: number): string => `rnn.bias_hh_l${l}`;
export const DECODER_WEIGHT = 'decoder.weight';
export const DECODER_BIAS = 'decoder.bias';

/** Every parameter name with its shape, in state_dict order (also the order init draws them in). */
export function paramShapes({ kind, vocabSize: V, hiddenSize: H, layers: L }: CharRNNConfig): [string, number[]][] {
  const G = GATES[kind] * H;
  const out: [string, number[]][] = [];
  for (let l = 0; l < L; l++) {
    out.push([weightIH(l), [G, l === 0 ? V : H]], [weightHH(l), [G, H]], [biasIH(l), [G]], [biasHH(l), [G]]);
  }
  out.push([DECODER_WEIGHT, [V, H]], [DECODER_BIAS, [V]]);
  return out;
}

/**
 * char-rnn's initialisation: every entry ~ U(−0.08, 0.08), then, for the LSTM, the forget-gate
 * part of each layer's input bias set to 1 (so the cell starts out remembering; the hidden-side
 * bias keeps its small random values, as char-rnn's h2h bias does).
 */
export function initParams(config: CharRNNConfig, rng: Rng, scale = 0.08): Params {
  const p: Params = {};
  for (const [name, shape] of paramShapes(config)) p[name] = Tensor.uniform(shape, rng, -scale, scale);
  const { kind, hiddenSize: H } = config;
  switch (kind) {
    case 'lstm':
      for (let l = 0; l < config.layers; l++) p[biasIH(l)].data.fill(1, H, 2 * H);
      break;
    case 'rnn':
    case 'gru':
      break;
    default:
      unreachable(kind, 'cell kind');
  }
  return p;
}

/**
 * The configuration implied by a parameter set (the kind from the ratio of rows to columns of
 * weight_hh_l0). Throws a plain Error naming the problem when the set is not a whole model.
 */
export function configOf(p: Params): CharRNNConfig {
  const whh = p[weightHH(0)],
    dec = p[DECODER_WEIGHT];
  if (!whh || whh.rank !== 2 || !dec || dec.rank !== 2) throw new Error(`expected tensors ${weightHH(0)} and ${DECODER_WEIGHT} (2-D)`);
  const [GH, H] = whh.shape;
  const kind = CELL_KINDS.find((k) => GATES[k] * H === GH);
  if (!kind) throw new Error(`${weightHH(0)} has shape [${whh.shape}]: rows must be 1, 3 or 4 times the columns (rnn, gru, lstm)`);
  let L = 0;
  while (p[weightHH(L)]) L++;
  return { kind, vocabSize: dec.shape[0], hiddenSize: H, layers: L };
}

/** The recurrent state: per layer a (B, H) row-major array; `c` (the LSTM's cell) is empty otherwise. */
export interface State {
  h: Float64Array[];
  c: Float64Array[];
}

export function zeroState(config: CharRNNConfig, B: number): State {
  const z = () => Array.from({ length: config.layers }, () => new Float64Array(B * config.hiddenSize));
  return { h: z(), c: HAS_CELL_STATE[config.kind] ? z() : [] };
}

export function cloneState(s: State): State {
  return { h: s.h.map((a) => a.slice()), c: s.c.map((a) => a.slice()) };
}

/**
 * One chunk of B streams × T steps, time-major: position t·B + b is stream b at step t.
 * `inputs[i]` predicts `targets[i]`.
 */
export interface Batch {
  inputs: ArrayLike<number>;
  targets: ArrayLike<number>;
  T: number;
  B: number;
}

/**
 * Inverted-dropout masks: masks[l] (length T·B·H, time-major like the batch) multiplies layer l's
 * output — between layers, and, for the last layer, before the decoder. Each entry is 0 (dropped,
 * probability p) or 1/(1 − p), so the expected activation is unchanged and evaluation needs no
 * rescaling: at evaluation there are simply no masks.
 */
export type DropoutMasks = Float64Array[];

/** Masks for one chunk, drawn from `rng` layer by layer in time-major order; undefined when p = 0. */
export function dropoutMasks(config: CharRNNConfig, T: number, B: number, p: number, rng: Rng): DropoutMasks | undefined {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout must be in [0, 1), got ${p}`);
  if (p === 0) return undefined;
  const keep = 1 / (1 - p);
  return Array.from({ length: config.layers }, () => {
    const m = new Float64Array(T * B * config.hiddenSize);
    for (let i = 0; i < m.length; i++) m[i] = rng.uniform() < p ? 0 : keep;
    return m;
  });
}

/** Checks a batch against the model: sizes, and every id in range. */
export function checkBatch(config: CharRNNConfig, { inputs, targets, T, B }: Batch, state: State): void {
  if (!(Number.isInteger(T) && T > 0 && Number.isInteger(B) && B > 0)) throw new Error(`batch: T and B must be positive integers, got T ${T}, B ${B}`);
  if (inputs.length !== T * B || targets.length !== T * B)
    throw new Error(`batch: expected ${T * B} inputs and targets (T ${T} × B ${B}), got ${inputs.length} and ${targets.length}`);
  for (const ids of [inputs, targets]) {
    for (let i = 0; i < ids.length; i++) {
      if (!Number.isInteger(ids[i]) || ids[i] < 0 || ids[i] >= config.vocabSize)
        throw new Error(`batch: id ${ids[i]} is out of range for a vocabulary of ${config.vocabSize}`);
    }
  }
  const n = B * config.hiddenSize;
  const cs = HAS_CELL_STATE[config.kind] ? config.layers : 0;
  if (state.h.length !== config.layers || state.c.length !== cs || [...state.h, ...state.c].some((a) => a.length !== n)) {
    throw new Error(`state: expected ${config.layers} layers of B·H = ${n} values${cs ? ' for h and for c' : ''}`);
  }
}

/** What one layer's step needs besides the input projection: W_hhᵀ and the biases, prepared once. */
interface LayerWeights {
  WhhT: Tensor; // (H, G·H)
  bih: Tensor;
  bhh: Tensor;
}

/** What a layer carries from step to step: h, and for the LSTM its memory cell c. */
interface Carry {
  h: Tensor; // (B, H)
  c?: Tensor; // (B, H), LSTM
}

/** A step's result: the new carry and the gates' activations, each (B, H), in GATE_NAMES order. */
interface StepOut extends Carry {
  gates: Tensor[];
}

/**
 * One step of one layer. `xp` (B, G·H) is W_ih·in_t with, for rnn and lstm, both biases already
 * added (for gru only b_ih: b_hn must stay inside the reset gate's product; see inputBias).
 */
function cellStep(kind: CellKind, H: number, xp: Tensor, { h, c }: Carry, w: LayerWeights): StepOut {
  switch (kind) {
    case 'rnn':
      return { h: tanh(add(xp, matmul(h, w.WhhT))), gates: [] };
    case 'lstm': {
      if (!c) throw new Error('lstm step: no cell state c');
      const g = add(xp, matmul(h, w.WhhT)); // (B, 4H): the four gates' pre-activations side by side
      const i = sigmoid(slice(g, 1, 0, H));
      const f = sigmoid(slice(g, 1, H, 2 * H));
      const gg = tanh(slice(g, 1, 2 * H, 3 * H));
      const o = sigmoid(slice(g, 1, 3 * H, 4 * H));
      const cNew = add(mul(f, c), mul(i, gg));
      return { h: mul(o, tanh(cNew)), c: cNew, gates: [i, f, gg, o] };
    }
    case 'gru': {
      const hh = add(matmul(h, w.WhhT), w.bhh); // (B, 3H): W_h·h + b_h for r, z, n
      const r = sigmoid(add(slice(xp, 1, 0, H), slice(hh, 1, 0, H)));
      const z = sigmoid(add(slice(xp, 1, H, 2 * H), slice(hh, 1, H, 2 * H)));
      const n = tanh(add(slice(xp, 1, 2 * H, 3 * H), mul(r, slice(hh, 1, 2 * H, 3 * H))));
      return { h: add(mul(sub(1, z), n), mul(z, h)), gates: [r, z, n] };
    }
    default:
      return unreachable(kind, 'cell kind');
  }
}

/** The biases folded into the input projection (see cellStep). */
function inputBias(kind: CellKind, w: LayerWeights): Tensor {
  switch (kind) {
    case 'gru':
      return w.bih;
    case 'rnn':
    case 'lstm':
      return add(w.bih, w.bhh);
    default:
      return unreachable(kind, 'cell kind');
  }
}

/** The carry of layer l from a State of B streams. */
function carryOf(kind: CellKind, state: State, l: number, B: number, H: number): Carry {
  const h = new Tensor(state.h[l], [B, H]);
  return HAS_CELL_STATE[kind] ? { h, c: new Tensor(state.c[l], [B, H]) } : { h };
}

function layerWeights(p: Params, l: number): LayerWeights {
  return { WhhT: transpose(p[weightHH(l)]), bih: p[biasIH(l)], bhh: p[biasHH(l)] };
}

/**
 * Mean loss per prediction (nats) of one chunk, starting from `state`, and the state after it.
 * Works layer by layer (all T steps of layer 0, then layer 1, …), which gives the same numbers as
 * stepping all layers together and lets each layer's input projection be one matrix product.
 */
export function charLoss(p: Params, batch: Batch, state: State, masks?: DropoutMasks): { loss: Tensor; state: State } {
  const config = configOf(p);
  checkBatch(config, batch, state);
  const { kind, hiddenSize: H, layers: L } = config;
  const { T, B } = batch;
  if (masks && (masks.length !== L || masks.some((m) => m.length !== T * B * H)))
    throw new Error(`dropout masks: expected ${L} masks of T·B·H = ${T * B * H} values`);
  let below: Tensor | null = null; // (T·B, H): the layer below's outputs, all steps
  const next: State = { h: [], c: [] };
  for (let l = 0; l < L; l++) {
    const w = layerWeights(p, l);
    const WihT = transpose(p[weightIH(l)]);
    const proj = l === 0 ? gatherRows(WihT, batch.inputs) : matmul(below!, WihT); // (T·B, G·H)
    const xp = add(proj, inputBias(kind, w));
    let carry: Carry = carryOf(kind, state, l, B, H);
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      carry = cellStep(kind, H, slice(xp, 0, t * B, (t + 1) * B), carry, w);
      outs.push(carry.h);
    }
    next.h.push(Float64Array.from(carry.h.data));
    if (carry.c) next.c.push(Float64Array.from(carry.c.data));
    below = concat(outs, 0);
    if (masks) below = mul(below, new Tensor(masks[l], [T * B, H]));
  }
  const logits = add(matmul(below!, transpose(p[DECODER_WEIGHT])), p[DECODER_BIAS]); // (T·B, V)
  return { loss: mul(softmaxCrossEntropy(logits, batch.targets), 1 / (T * B)), state: next };
}

/** What one step of the stepper gives back. */
export interface CharStep {
  logits: Float64Array; // (B, V) row-major
  state: State;
  /** gates[l][k]: layer l's gate GATE_NAMES[kind][k] after this step, (B, H) row-major (none for rnn). */
  gates: Float64Array[][];
}

/**
 * Inference one step at a time for B streams (sampling, evaluation, "look inside"). Prepares the
 * weights once; each call feeds one id per stream and returns the logits, the new state and the
 * gates' activations. Parameters that do not require gradients build no tape.
 */
export function stepper(p: Params): (x: ArrayLike<number>, state: State) => CharStep {
  const { kind, hiddenSize: H, layers: L } = configOf(p);
  const ws = Array.from({ length: L }, (_, l) => layerWeights(p, l));
  const WihT = Array.from({ length: L }, (_, l) => transpose(p[weightIH(l)]));
  const bias = ws.map((w) => inputBias(kind, w));
  const decT = transpose(p[DECODER_WEIGHT]);
  return (x, state) => {
    const B = x.length;
    const next: State = { h: [], c: [] };
    const gates: Float64Array[][] = [];
    let inp: Tensor | null = null;
    for (let l = 0; l < L; l++) {
      const proj = l === 0 ? gatherRows(WihT[0], x) : matmul(inp!, WihT[l]);
      const out = cellStep(kind, H, add(proj, bias[l]), carryOf(kind, state, l, B, H), ws[l]);
      next.h.push(out.h.data);
      if (out.c) next.c.push(out.c.data);
      gates.push(out.gates.map((g) => g.data));
      inp = out.h;
    }
    return { logits: add(matmul(inp!, decT), p[DECODER_BIAS]).data, state: next, gates };
  };
}
