// Gradient checking of the post's min-char-rnn family (src/models/rnn.ts): tape vs the hand-derived
// rnn1/rnn2/rnnN.manual.ts vs central differences, with compare.ts's measures.

import { Vocab } from '../data/vocab.ts';
import { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';
import { UserError } from '../errors.ts';
import { lossAndGrads } from '../models/rnn.paths.ts';
import { type Params, paramShapes, type RNNConfig, rnnLoss } from '../models/rnn.ts';
import { compareGradients, type GradcheckRow, relativeError, THRESHOLDS } from './compare.ts';

export interface GradcheckOptions {
  layers: number;
  hidden: number;
  text: string;
  seqLength: number;
  seed: number;
  step?: number; // finite-difference step h, default 1e-5
  samples?: number; // entries checked against finite differences per parameter; 0 or undefined = all
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
