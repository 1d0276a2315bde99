// Gradient checking: three gradients of one chunk's loss, compared parameter by parameter.
//   tape    — autodiff through the engine's tape: rnn.ts (the post's min-char-rnn family,
//             `gradcheck`) or charrnn.ts (char-rnn's RNN, LSTM and GRU, `charGradcheck`)
//   manual  — the hand-derived backward passes (src/models/*.manual.ts)
//   numeric — central finite differences, (f(θ + h) − f(θ − h)) / 2h, entry by entry, in float64
// Tape and manual are two derivations of the exact same numbers, so they must agree to rounding
// (1e-9 relative). The numeric gradient has truncation error O(h²) and rounding error
// O(ε·|f| / h), so it is held to 1e-6 at h = 1e-5.
// All three are UNCLIPPED: min-char-rnn clips to ±5 before its check, which would hide a large
// wrong gradient behind a correct-looking 5.

import { Vocab } from './data/vocab.ts';
import { Rng } from './engine/random.ts';
import { Tensor } from './engine/tensor.ts';
import { UserError } from './errors.ts';
import { FastCharRNN, fastModelBytes } from './fast/model.ts';
import { makeKernels, resolveKernels } from './fast/select.ts';
import { charLossAndGrads } from './models/charrnn.paths.ts';
import * as charrnn from './models/charrnn.ts';
import { lossAndGrads } from './models/paths.ts';
import { type Params, paramShapes, type RNNConfig, rnnLoss } from './models/rnn.ts';

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

export const THRESHOLDS = { tapeVsManual: 1e-9, vsNumeric: 1e-6 } as const;

/**
 * The noise of each comparison: absolute differences of this size mean nothing.
 * NOTE: tape vs manual: a gradient entry that is tiny through cancellation (say 1e-8, a sum of
 * terms of order 1) carries rounding noise ~1e-16 in both, summed in different orders, so their
 * relative difference can reach 1e-8 with nothing wrong. The floor is 1e-12.
 * NOTE: vs numeric: f(θ ± h) are each rounded to about ε·|f|, so (f₊ − f₋)/2h carries an
 * absolute error of order ε·|f|/h: about 5e-10 for a loss of 23 at h = 1e-5 (measured: at most
 * 2.2× ε·|f|/h over 13,000 entries of random models with L ≤ 4, H ≤ 12, T ≤ 25). The floor is
 * numericRoundingFactor times that. An entry below ~5e-4 would show a relative error above 1e-6
 * from this noise alone.
 * NOTE: for a loss that adds up many per-prediction terms (char-rnn's mean over T·B), the rounding
 * of that running sum grows like √(terms): measured max |a − n| / (ε·|f|/h), with correct
 * gradients, of 1.3–1.6 at 25–30 terms, 3.7–3.9 at 250 and 10–14 at 2,500 (LSTM and GRU, 100–300
 * entries each; H = 10 or 128 at 30 terms made no difference). So the floor is scaled by √(terms/25) above the 25 terms
 * the factor was measured at; the post's min-char check (T ≤ 25 in the measurement) passes no
 * count and keeps the plain floor.
 * How the floors are used: see entryError.
 */
export const NOISE = { tapeVsManualAbs: 1e-12, numericRoundingFactor: 8, termsMeasured: 25 } as const;

/**
 * The absolute noise floor of a central difference of a function of size |f| with step h, the
 * function being a sum (or mean) of `terms` separately rounded parts.
 */
export function numericNoiseFloor(f: number, h: number, terms = 1): number {
  const sumGrowth = Math.sqrt(Math.max(1, terms / NOISE.termsMeasured));
  return (NOISE.numericRoundingFactor * Number.EPSILON * Math.max(Math.abs(f), 1) * sumGrowth) / h;
}

/**
 * The error of one entry, to be compared with `threshold`: |a − b| / max(|a|, |b|, floor/threshold).
 * Where max(|a|, |b|) ≥ floor/threshold (the entry is large enough for a relative error to be
 * resolved above the noise) this is exactly relativeError(a, b). Below that it is the absolute
 * difference measured against the floor: the entry passes iff |a − b| ≤ floor. The two rules meet
 * at the boundary, so one number per entry decides, and a wrong gradient of any size that matters
 * is still caught (a tiny entry can only be checked absolutely, to the floor).
 */
function entryError(a: number, b: number, floor: number, threshold: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor / threshold);
}

export interface GradcheckOptions {
  layers: number;
  hidden: number;
  text: string;
  seqLength: number;
  seed: number;
  step?: number; // finite-difference step h, default 1e-5
  samples?: number; // entries checked against finite differences per parameter; 0 or undefined = all
}

export interface GradcheckRow {
  name: string;
  shape: number[];
  checked: number; // entries compared with finite differences (tape vs manual always compares all)
  maxAbsTapeManual: number; // max |tape − manual| over all entries
  maxRelTapeManual: number; // max entryError tape vs manual over all entries (the relative error where resolvable)
  maxRelNumeric: number; // max entryError of tape and of manual vs numeric, over the checked entries
  pass: boolean;
}

/**
 * |a − b| / max(|a|, |b|, 1e-12): symmetric, 0 exactly when a = b, at most 1 when a and b have
 * the same sign and at most 2 always.
 * NOTE: cs231n/min-char-rnn use |a − n| / |a + n|. That denominator vanishes when a ≈ −n (a sign
 * error, the very bug to catch, gives a huge or infinite number rather than a clear 2) and when
 * both are zero (0/0 = NaN for an entry that is exactly right, e.g. an unused column of Wxh).
 * Taking the larger magnitude keeps the denominator away from zero; the 1e-12 only guards 0/0.
 * For same-sign values the two differ by at most a factor of 2.
 */
export function relativeError(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

/**
 * The core of gradcheck, for any scalar loss: compare two analytic gradients of `loss` at `p`
 * with each other (every entry) and with central finite differences (all entries, or `samples`
 * random ones per parameter drawn from `rng`). `p` is not changed (a copy is perturbed).
 * `terms`: how many per-prediction losses `loss` adds up (see NOISE); default 1.
 * Exposed so that tests can feed in a deliberately wrong gradient and see the row fail.
 */
export function compareGradients(
  loss: (p: Params) => number,
  p: Params,
  tape: Params,
  manual: Params,
  opts: { step?: number; samples?: number; rng?: Rng; terms?: number } = {},
): GradcheckRow[] {
  const h = opts.step ?? 1e-5,
    samples = opts.samples ?? 0,
    rng = opts.rng ?? new Rng(0);
  if (!(h > 0)) throw new Error(`compareGradients: step must be positive, got ${h}`);
  const q: Params = {};
  for (const [k, v] of Object.entries(p)) q[k] = v.clone();
  const floor = numericNoiseFloor(loss(q), h, opts.terms);
  const rows: GradcheckRow[] = [];
  for (const [name, theta] of Object.entries(q)) {
    const a = tape[name]?.data,
      m = manual[name]?.data,
      n = theta.data.length;
    if (!a || !m || a.length !== n || m.length !== n) throw new Error(`compareGradients: gradient ${name} is missing or has the wrong size`);

    let maxAbsTapeManual = 0,
      maxRelTapeManual = 0;
    for (let i = 0; i < n; i++) {
      maxAbsTapeManual = nanMax(maxAbsTapeManual, Math.abs(a[i] - m[i]));
      maxRelTapeManual = nanMax(maxRelTapeManual, entryError(a[i], m[i], NOISE.tapeVsManualAbs, THRESHOLDS.tapeVsManual));
    }

    let maxRelNumeric = 0;
    const entries = pickEntries(n, samples, rng);
    for (const i of entries) {
      const old = theta.data[i];
      theta.data[i] = old + h;
      const fPlus = loss(q);
      theta.data[i] = old - h;
      const fMinus = loss(q);
      theta.data[i] = old;
      const numeric = (fPlus - fMinus) / (2 * h);
      maxRelNumeric = nanMax(maxRelNumeric, entryError(a[i], numeric, floor, THRESHOLDS.vsNumeric), entryError(m[i], numeric, floor, THRESHOLDS.vsNumeric));
    }

    const pass = maxRelTapeManual <= THRESHOLDS.tapeVsManual && maxRelNumeric <= THRESHOLDS.vsNumeric;
    rows.push({ name, shape: [...theta.shape], checked: entries.length, maxAbsTapeManual, maxRelTapeManual, maxRelNumeric, pass });
  }
  return rows;
}

/** Math.max that lets a NaN through (so a NaN gradient fails instead of vanishing). */
function nanMax(...xs: number[]): number {
  let r = -Infinity;
  for (const x of xs) if (Number.isNaN(x) || x > r) r = x;
  return r;
}

/** All indices 0…n−1, or k distinct random ones (a partial Fisher–Yates shuffle), ascending. */
function pickEntries(n: number, k: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (!(k > 0) || k >= n) return all;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, k).sort((x, y) => x - y);
}

/**
 * Parameters for checking gradients, drawn from `rng`: weights of standard deviation
 * 0.6/√fan-in (0.5 for Wxh, whose input is one-hot, so each pre-activation sees one entry) and
 * random biases of std 0.1.
 * NOTE: min-char-rnn's init (weights std 0.01, biases 0) is right for training and wrong for a
 * gradient check. The hidden states come out ~0.01, so many gradient entries are ~1e-4 to 1e-6
 * and the finite-difference noise (~1e-10) becomes a relative error of 1e-6 to 1e-4: the check
 * would fail, or need a loose threshold, with nothing wrong. Worse, near zero tanh is almost the
 * identity (1 − h² ≈ 1), so a backward pass that forgot the tanh derivative is off by only ~1e-3
 * relative (notebook 03), which a loose threshold would pass. With these
 * scales the pre-activations are of order 1 (tanh curved, not saturated) at any width. The
 * 1/√fan-in matters: a fixed std would give Whh a spectral radius growing like √H, and at H = 100
 * the loss through 25 steps becomes so sharply curved that central differences are off by 1e-5
 * with correct gradients; at 0.6/√H the radius stays near 0.6 at any H.
 */
export function wellScaledParams(config: RNNConfig, rng: Rng): Params {
  const p: Params = {};
  for (const [name, shape] of paramShapes(config)) {
    const std = name.startsWith('b') ? 0.1 : name === 'Wxh' ? 0.5 : 0.6 / Math.sqrt(shape[1]);
    p[name] = Tensor.randn(shape, rng, std);
  }
  return p;
}

/**
 * Check the gradients of a small model on the first seqLength + 1 characters of `text`.
 * The vocabulary is the distinct code points of `text`, in code-point order (as Vocab sorts them).
 * `pass` requires every row to pass and the tape and manual losses to agree to THRESHOLDS.tapeVsManual.
 */
export function gradcheck(opts: GradcheckOptions): { rows: GradcheckRow[]; pass: boolean; loss: number; vocabSize: number } {
  const { layers, hidden, seqLength, seed } = opts;
  for (const [k, v] of [
    ['layers', layers],
    ['hidden', hidden],
    ['seqLength', seqLength],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`gradcheck: ${k} must be a positive integer, got ${v}`);
  }
  const chars = Array.from(opts.text);
  if (chars.length < seqLength + 1)
    throw new UserError(`gradcheck: the text has ${chars.length} characters; seqLength ${seqLength} needs at least ${seqLength + 1}`);
  const vocab = Vocab.fromText(opts.text); // distinct code points, in code-point order
  const ids = vocab.encode(chars.slice(0, seqLength + 1).join(''));
  const inputs = ids.slice(0, seqLength),
    targets = ids.slice(1);

  const config: RNNConfig = { vocabSize: vocab.size, hiddenSize: hidden, layers };
  const rng = new Rng(seed);
  const p = wellScaledParams(config, rng);
  // a random non-zero starting state, so the gradient paths through hprev·Whh are exercised
  const hprev = Array.from({ length: layers }, () => Float64Array.from({ length: hidden }, () => rng.uniform() - 0.5));

  const tape = lossAndGrads('tape', p, inputs, targets, hprev);
  const manual = lossAndGrads('manual', p, inputs, targets, hprev);
  const loss = (q: Params): number => rnnLoss(q, inputs, targets, hprev).loss.item();
  const rows = compareGradients(loss, p, tape.grads, manual.grads, { step: opts.step, samples: opts.samples, rng });
  const lossesAgree = relativeError(tape.loss, manual.loss) <= THRESHOLDS.tapeVsManual;
  return { rows, pass: lossesAgree && rows.every((r) => r.pass), loss: tape.loss, vocabSize: vocab.size };
}

/** An aligned plain-text table, one row per parameter. */
export function formatGradcheckTable(rows: GradcheckRow[]): string {
  const e = (x: number): string => (x === 0 ? '0' : x.toExponential(2));
  const header = ['parameter', 'shape', 'checked', 'max |tape−manual|', 'rel tape/manual', 'rel vs numeric', 'result'];
  const body = rows.map((r) => [
    r.name,
    `[${r.shape.join(', ')}]`,
    String(r.checked),
    e(r.maxAbsTapeManual),
    e(r.maxRelTapeManual),
    e(r.maxRelNumeric),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

// ---- char-rnn's models ------------------------------------------------------------------------

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
