// min-char-rnn's training loop for the post's RNN family (rnn.ts, any number of layers), so that
// notebook 04 can compare depths on the same text with the same budget and notebook 07 can walk
// through the loop itself. Iteration n, as in the gist:
//
//   if p + T + 1 ≥ len(text) or n = 0: p = 0 and the hidden state is reset to zeros (the gist's
//     "go from start of data"; min-char-rnn tests ≥, so the last chunk that would just fit is skipped);
//   every `sampleEvery` iterations, before the update: sample from the model, starting from the
//     carried state and the chunk's first input character (the gist's sample(hprev, inputs[0], 200));
//   loss and gradients of the chunk inputs = text[p … p+T), targets = text[p+1 … p+T] (hand-derived
//     or tape), the state carried in from the previous chunk but no gradient carried back into it
//     (truncated backpropagation through time);
//   clip each gradient entry to ±5; Adagrad; smooth_loss = 0.999 · smooth_loss + 0.001 · loss;
//   p += T, and the state at the end of the chunk becomes the next chunk's starting state.
//
// Dimensions: V vocabulary size, H hidden size, L layers, T chunk length.
// Unlike min-char-rnn this also measures the loss on held-out text (no gradient, state carried).

import { Vocab } from '../data/vocab.ts';
import { Rng } from '../engine/random.ts';
import { UserError } from '../errors.ts';
import { wellScaledParams } from '../gradcheck/minchar.ts';
import { type GradPath, lossAndGrads } from '../models/rnn.paths.ts';
import { initParams, type Params, type RNNConfig, rnnLoss, rnnStepper, zeroState } from '../models/rnn.ts';
import { Adagrad, clipElementwise } from '../optim/optim.ts';

export interface MinCharOptions {
  /** Training text; its distinct characters (plus those of `heldOut`) are the vocabulary. */
  text: string;
  /** Text to measure the loss on, never trained on. */
  heldOut?: string;
  layers: number;
  hidden: number;
  /** Chunk length T (min-char-rnn: 25). */
  seqLength?: number;
  iters: number;
  /** Adagrad's learning rate (min-char-rnn: 0.1). */
  lr?: number;
  seed: number;
  path?: GradPath;
  /**
   * 'minchar' (default): min-char-rnn's N(0, 0.01²) weights and zero biases. 'scaled': weights of
   * std 0.6/√fan-in (gradcheck's wellScaledParams), which keeps the signal from fading layer by layer.
   */
  init?: 'minchar' | 'scaled';
  /** Measure the held-out loss every this many iterations (and at the end); 0 = only at the end. */
  evalEvery?: number;
  /** Sample `sampleLength` characters every this many iterations, from iteration 0 (min-char-rnn: 100); 0 = never. */
  sampleEvery?: number;
  /** Length of each sample (min-char-rnn: 200). */
  sampleLength?: number;
}

export interface MinCharRun {
  config: RNNConfig;
  vocab: Vocab;
  params: Params;
  /** Loss of every chunk, nats per character. */
  losses: number[];
  /** min-char-rnn's smooth_loss (0.999 · old + 0.001 · new, from ln V), per character, after every chunk. */
  smooth: number[];
  /** Held-out loss in nats per character, after `iteration` chunks. */
  heldOut: { iteration: number; loss: number }[];
  /** The iterations at which the data pointer went back to the start and the state to zeros (0 first). */
  resets: number[];
  /** Samples taken before the update of iteration `iteration`, with the smoothed loss at that point. */
  samples: { iteration: number; smoothLoss: number; text: string }[];
}

/**
 * `length` characters drawn from the model, starting from state `h` and input character `x`
 * (which is not part of the result), each from softmax(y_t) with `rng`.
 */
export function sampleMinChar(p: Params, vocab: Vocab, h: readonly Float64Array[], x: number, length: number, rng: Rng): string {
  const step = rnnStepper(p);
  let state: readonly Float64Array[] = h.map((a) => a.slice());
  const out: string[] = [];
  for (let t = 0; t < length; t++) {
    const r = step(x, state);
    state = r.h;
    let max = -Infinity;
    for (const v of r.logits) max = Math.max(max, v);
    const e = Array.from(r.logits, (v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    x = rng.categorical(e.map((v) => v / total));
    out.push(vocab.chars[x]);
  }
  return out.join('');
}

/** Mean loss per character of `ids` (one stream, chunks of T, state carried), without gradients. */
export function minCharEvalLoss(p: Params, ids: readonly number[], T: number, config: RNNConfig): number {
  let h = zeroState(config),
    total = 0,
    n = 0;
  for (let s = 0; s + 1 < ids.length; s += T) {
    const e = Math.min(s + T, ids.length - 1);
    const out = rnnLoss(p, ids.slice(s, e), ids.slice(s + 1, e + 1), h);
    total += out.loss.item();
    n += e - s;
    h = out.h;
  }
  return total / n;
}

export function trainMinChar(opts: MinCharOptions): MinCharRun {
  const {
    text,
    heldOut = '',
    layers,
    hidden,
    iters,
    seed,
    seqLength: T = 25,
    lr = 0.1,
    path = 'manual',
    evalEvery = 0,
    init = 'minchar',
    sampleEvery = 0,
    sampleLength = 200,
  } = opts;
  if (init !== 'minchar' && init !== 'scaled') throw new UserError(`init must be 'minchar' or 'scaled', got '${String(init)}'`);
  for (const [k, v] of [
    ['layers', layers],
    ['hidden', hidden],
    ['seqLength', T],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`${k} must be a positive integer, got ${v}`);
  }
  for (const [k, v] of [
    ['iters', iters],
    ['evalEvery', evalEvery],
    ['sampleEvery', sampleEvery],
    ['sampleLength', sampleLength],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new UserError(`${k} must be a non-negative integer, got ${v}`);
  }
  const vocab = Vocab.fromText(text + heldOut);
  const ids = vocab.encode(text),
    heldIds = vocab.encode(heldOut);
  if (ids.length < T + 1) throw new UserError(`the text has ${ids.length} characters; seqLength ${T} needs at least ${T + 1}`);
  const config: RNNConfig = { vocabSize: vocab.size, hiddenSize: hidden, layers };
  const params = init === 'scaled' ? wellScaledParams(config, new Rng(seed)) : initParams(config, new Rng(seed));
  const opt = new Adagrad(lr);

  const run: MinCharRun = { config, vocab, params, losses: [], smooth: [], heldOut: [], resets: [], samples: [] };
  const sampleRng = new Rng(seed + 1); // its own stream, so sampling does not change the training
  const measure = (iteration: number): void => {
    if (heldIds.length > 1) run.heldOut.push({ iteration, loss: minCharEvalLoss(params, heldIds, T, config) });
  };
  let smooth = Math.log(vocab.size);
  let h = zeroState(config),
    pos = 0;
  for (let n = 0; n < iters; n++) {
    if (pos + T + 1 >= ids.length || n === 0) {
      pos = 0;
      h = zeroState(config);
      run.resets.push(n);
    }
    const inputs = ids.slice(pos, pos + T),
      targets = ids.slice(pos + 1, pos + T + 1);
    if (sampleEvery > 0 && n % sampleEvery === 0)
      run.samples.push({ iteration: n, smoothLoss: smooth, text: sampleMinChar(params, vocab, h, inputs[0], sampleLength, sampleRng) });
    const r = lossAndGrads(path, params, inputs, targets, h);
    clipElementwise(r.grads, 5);
    opt.step(params, r.grads);
    h = r.h;
    pos += T;
    run.losses.push(r.loss / T);
    smooth = 0.999 * smooth + 0.001 * (r.loss / T);
    run.smooth.push(smooth);
    if (evalEvery > 0 && (n + 1) % evalEvery === 0 && n + 1 < iters) measure(n + 1);
  }
  measure(iters);
  return run;
}
