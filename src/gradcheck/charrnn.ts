// Gradient checking of char-rnn's RNN, LSTM and GRU (src/models/charrnn.ts): tape vs the
// hand-derived *.manual.ts models (or the fast path on the WebAssembly kernels) vs central
// differences, with compare.ts's measures.

import { Vocab } from '../data/vocab.ts';
import { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';
import { UserError } from '../errors.ts';
import { FastCharRNN, fastModelBytes } from '../fast/model.ts';
import { makeKernels, resolveKernels } from '../fast/select.ts';
import { charLossAndGrads } from '../models/charrnn.paths.ts';
import * as charrnn from '../models/charrnn.ts';
import { compareGradients, type GradcheckRow, relativeError, THRESHOLDS } from './compare.ts';

type Params = charrnn.Params;

/** The fast path's loss and gradients on the WebAssembly kernels in float64 (an error if they are not built). */
function fastLossAndGrads(p: Params, batch: charrnn.Batch, state: charrnn.State, masks: charrnn.DropoutMasks | undefined): { loss: number; grads: Params } {
  const shape = { config: charrnn.configOf(p), B: batch.B, T: batch.T, optim: 'adagrad' as const, dropout: masks !== undefined };
  const fast = new FastCharRNN(makeKernels(resolveKernels('wasm'), 'f64', 1, fastModelBytes(shape, 'f64')), shape);
  try {
    fast.setParams(p);
    fast.setState(state);
    const loss = fast.run(batch, masks, true);
    const grads: Params = {};
    for (const [name, t] of Object.entries(p)) grads[name] = new Tensor(Float64Array.from(fast.grads[name]), [...t.shape]);
    return { loss, grads };
  } finally {
    fast.k.dispose();
  }
}

export interface CharGradcheckOptions {
  kind: charrnn.CellKind;
  layers: number;
  hidden: number;
  text: string;
  seqLength: number; // T
  batch: number; // B
  dropout?: number; // p of the dropout masks, 0 or undefined = none
  seed: number;
  step?: number;
  samples?: number;
  /**
   * Where the hand-derived gradients come from: 'ts' (default) the readable *.manual.ts models;
   * 'wasm' the fast path (src/fast/model.ts, the same derivation) on the WebAssembly kernels, in
   * float64 like everything here.
   */
  kernels?: 'ts' | 'wasm';
}

/**
 * Parameters for checking the gradients of char-rnn's models, drawn from `rng` in state_dict
 * order: weights of standard deviation 0.6/√fan-in (0.5 for weight_ih_l0, whose input is one-hot,
 * so each pre-activation sees one column), biases of std 0.1. Gate pre-activations then come out
 * of order 1 at any width: the sigmoids and tanhs are curved, not saturated (where their
 * derivatives, and so the check, would mean nothing) and not near 0 (where a forgotten derivative
 * factor could pass). See wellScaledParams for why the 1/√fan-in matters.
 */
export function charWellScaledParams(config: charrnn.CharRNNConfig, rng: Rng): Params {
  const p: Params = {};
  for (const [name, shape] of charrnn.paramShapes(config)) {
    const std = shape.length === 1 ? 0.1 : name === charrnn.weightIH(0) ? 0.5 : 0.6 / Math.sqrt(shape[1]);
    p[name] = Tensor.randn(shape, rng, std);
  }
  return p;
}

/**
 * The chunk a char-model check uses, from the start of `text`: B streams of T steps, stream b
 * reading characters b·T … b·T + T (so B·T + 1 characters), laid out time-major as charrnn.ts
 * wants. The vocabulary is the distinct code points of `text`, in code-point order.
 */
export function charCheckBatch(text: string, T: number, B: number): { batch: charrnn.Batch; vocabSize: number } {
  const chars = Array.from(text);
  if (chars.length < T * B + 1) throw new UserError(`gradcheck: the text has ${chars.length} characters; seq ${T} × batch ${B} needs at least ${T * B + 1}`);
  const vocab = Vocab.fromText(text);
  const ids = vocab.encode(chars.slice(0, T * B + 1).join(''));
  const inputs: number[] = [],
    targets: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      inputs.push(ids[b * T + t]);
      targets.push(ids[b * T + t + 1]);
    }
  }
  return { batch: { inputs, targets, T, B }, vocabSize: vocab.size };
}

/**
 * Check the gradients of one of char-rnn's models (mean loss over T·B predictions) three ways:
 * tape (charrnn.ts), hand-derived (rnn/lstm/gru.manual.ts) and central differences of the tape's
 * forward pass. The starting state (h, and c for the LSTM) is random and non-zero, so the paths
 * through it are exercised; with `dropout` > 0 one set of masks is drawn and fed to all three, so
 * the comparison stays exact. Rows are in state_dict order, with PyTorch's names.
 */
export function charGradcheck(opts: CharGradcheckOptions): { rows: GradcheckRow[]; pass: boolean; loss: number; vocabSize: number } {
  const { kind, layers, hidden, seqLength: T, batch: B, seed } = opts;
  if (!charrnn.CELL_KINDS.includes(kind)) throw new UserError(`gradcheck: unknown model '${String(kind)}' (expected ${charrnn.CELL_KINDS.join(', ')})`);
  for (const [k, v] of [
    ['layers', layers],
    ['hidden', hidden],
    ['seqLength', T],
    ['batch', B],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`gradcheck: ${k} must be a positive integer, got ${v}`);
  }
  const dropout = opts.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) throw new UserError(`gradcheck: dropout must be in [0, 1), got ${dropout}`);
  const { batch, vocabSize } = charCheckBatch(opts.text, T, B);

  const config: charrnn.CharRNNConfig = { kind, vocabSize, hiddenSize: hidden, layers };
  const rng = new Rng(seed);
  const p = charWellScaledParams(config, rng);
  // a random non-zero starting state: h in (−0.5, 0.5) like a tanh output, c in (−1, 1)
  const draw = (scale: number): Float64Array[] =>
    Array.from({ length: layers }, () => Float64Array.from({ length: B * hidden }, () => scale * (2 * rng.uniform() - 1)));
  const state: charrnn.State = { h: draw(0.5), c: charrnn.HAS_CELL_STATE[kind] ? draw(1) : [] };
  const masks = charrnn.dropoutMasks(config, T, B, dropout, rng);

  const tape = charLossAndGrads('tape', p, batch, state, masks);
  const manual = opts.kernels === 'wasm' ? fastLossAndGrads(p, batch, state, masks) : charLossAndGrads('manual', p, batch, state, masks);
  const loss = (q: Params): number => charrnn.charLoss(q, batch, state, masks).loss.item();
  const rows = compareGradients(loss, p, tape.grads, manual.grads, { step: opts.step, samples: opts.samples, rng, terms: T * B });
  const lossesAgree = relativeError(tape.loss, manual.loss) <= THRESHOLDS.tapeVsManual;
  return { rows, pass: lossesAgree && rows.every((r) => r.pass), loss: tape.loss, vocabSize };
}
