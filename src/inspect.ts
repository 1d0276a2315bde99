// Looking inside a trained char-rnn model, as in Karpathy's "The Unreasonable Effectiveness of
// Recurrent Neural Networks" (section "visualizing the predictions and the neuron firings"): run a
// passage through the model one character at a time (B = 1) and keep, after each character,
//   - every layer's hidden state h (and, for an LSTM, the cell state c), to colour the text by one unit;
//   - the model's k most likely next characters with their probabilities;
//   - on request, every layer's gate activations (LSTM i, f, g, o; GRU r, z, n), as the model's own
//     step computes them: how often a gate is saturated near 0 or 1 (Karpathy, Johnson and Fei-Fei,
//     "Visualizing and Understanding Recurrent Networks", section 4.2).
// A long text can be traced in pieces: each trace ends with the state that the next one starts from.
//
// Dimensions: T characters in the passage, L layers, H hidden size, V vocabulary.

import type { Vocab } from './data/vocab.ts';
import { UserError } from './errors.ts';
import { configOf, GATE_NAMES, HAS_CELL_STATE, type Params, type State, stepper, zeroState } from './models/charrnn.ts';

export interface Guess {
  char: string;
  prob: number;
}

export interface Trace {
  /** The passage, one code point per entry (length T). */
  chars: string[];
  /** h[l][t] is layer l's hidden state (length H) after reading chars[t]. */
  h: Float64Array[][];
  /** c[l][t], the LSTM cell state (empty for rnn and gru). */
  c: Float64Array[][];
  /** guesses[t]: the k most likely characters to follow chars[t], most likely first. */
  guesses: Guess[][];
  /**
   * gates[l][name][t]: layer l's gate `name` (GATE_NAMES: i, f, g, o or r, z, n; length H) after
   * reading chars[t]. Empty unless asked for with `gates: true` (and for rnn, which has no gates).
   */
  gates: Record<string, Float64Array[]>[];
  /** The state after the last character: the `state` to trace the text that follows. */
  state: State;
}

export interface TraceOptions {
  /** How many next-character guesses to keep per position (default 5, capped at V). */
  top?: number;
  /** Starting state, B = 1 (default zeros). Not modified. */
  state?: State;
  /** Also record every layer's gate activations at every step (default false). */
  gates?: boolean;
}

/** Runs `text` through the model and records states and next-character guesses after each character. */
export function traceActivations(params: Params, vocab: Vocab, text: string, opts: TraceOptions = {}): Trace {
  const config = configOf(params);
  if (vocab.size !== config.vocabSize) throw new UserError(`vocabulary has ${vocab.size} characters but the model expects ${config.vocabSize}`);
  const top = Math.min(opts.top ?? 5, vocab.size);
  if (!Number.isInteger(top) || top < 1) throw new UserError(`top must be a positive integer, got ${opts.top}`);
  const chars = [...text];
  const ids = vocab.encode(text); // a UserError naming any character the model does not know
  const step = stepper(params);
  let state: State = opts.state ?? zeroState(config, 1);
  const L = config.layers;
  const names = opts.gates ? GATE_NAMES[config.kind] : [];
  const trace: Trace = {
    chars,
    h: Array.from({ length: L }, () => []),
    c: Array.from({ length: HAS_CELL_STATE[config.kind] ? L : 0 }, () => []),
    guesses: [],
    gates: names.length > 0 ? Array.from({ length: L }, () => Object.fromEntries(names.map((n) => [n, []]))) : [],
    state,
  };
  for (const id of ids) {
    const out = step([id], state);
    state = out.state;
    for (let l = 0; l < L; l++) {
      trace.h[l].push(Float64Array.from(state.h[l]));
      if (HAS_CELL_STATE[config.kind]) trace.c[l].push(Float64Array.from(state.c[l]));
      names.forEach((n, k) => trace.gates[l][n].push(Float64Array.from(out.gates[l][k])));
    }
    trace.guesses.push(topGuesses(out.logits, vocab, top));
  }
  trace.state = state;
  return trace;
}

/** softmax(logits), then the k most probable characters (ties: lower id first). */
function topGuesses(logits: Float64Array, vocab: Vocab, k: number): Guess[] {
  let max = -Infinity;
  for (const z of logits) if (z > max) max = z;
  const p = logits.map((z) => Math.exp(z - max));
  const total = p.reduce((a, b) => a + b, 0);
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  return order.slice(0, k).map((i) => ({ char: vocab.chars[i], prob: p[i] / total }));
}
