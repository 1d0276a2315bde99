// Sizes refused before anything is allocated. A model, a batch or a gradient check that asks for
// more memory than the runtime can give would otherwise end in a V8 abort minutes later; here its
// needs are computed in closed form (no loop over layers, so --layers 100000000 costs nothing) and
// compared with a limit, and an oversized job is a one-line error with both numbers.
//
// Dimensions: V vocabulary, H hidden, L layers, G gates per cell (rnn 1, gru 3, lstm 4), T steps, B streams.
//
//   parameters P = L·(G·H·H + 2·G·H) + G·H·(V + (L − 1)·H) + V·H + V          (charrnn.paramShapes)
//   training:  (3 + slots)·P numbers (parameters, gradients, the second group of streams' gradients,
//              optimizer slots) + P float64 numbers (the trainer's copy)
//              + T·B·(L·(3·G·H + 4·H) + 3·V) numbers of activations + B·L·H·2 state
//   the tape:  the arena of one step (tapeArenaBytes below: every tensor of the forward and backward
//              passes, gradients included) + (1 + slots)·P numbers placed beside it (parameters,
//              optimizer slots) + P (the trainer's copy) + B·L·H·2 state, all float64
//
// The estimate is an upper bound on the fast path's own arena (fastModelBytes) and on the tape's
// (its high-water mark), both checked by the tests, not an exact count: it is meant to refuse the
// absurd early, not to budget the last megabyte.

import { UserError } from './errors.ts';
import { type CellKind, GATES } from './models/charrnn.ts';

/** Raised for sizes the runtime cannot allocate: a usage error (exit 2 on the command line). */
export class SizeError extends UserError {}

/**
 * The default ceiling for one job: 4 GiB, which is what a WebAssembly memory (the fast path's arena)
 * can hold at most and more than a browser tab is given. The command line passes the smaller of
 * this and 80% of the machine's memory (see cli/limits.ts); a page can pass its own.
 */
export const DEFAULT_MEMORY_LIMIT = 4 * 2 ** 30;

/** The most one WebAssembly memory holds (wasm32: 4 GiB), less room for the kernels' static data and packing scratch. */
export const WASM_MEMORY_MAX = 2 ** 32 - 2 ** 23;

export interface SizeJob {
  kind: CellKind;
  V: number;
  H: number;
  L: number;
  T: number;
  B: number;
  /** Bytes per number: 4 (float32) or 8 (float64). */
  bytes: 4 | 8;
  /** Optimizer slots per parameter (0 for evaluation, 1 for Adagrad and RMSProp, 2 for Adam). */
  slots: number;
  /** Whether the autodiff tape computes the gradients (in float64 whatever `bytes` says: its arena is counted instead of the activations). */
  tape: boolean;
}

/** Parameters of a char-rnn model (as a float: huge sizes must not overflow into nonsense). */
export function parameterCount({ kind, V, H, L }: Pick<SizeJob, 'kind' | 'V' | 'H' | 'L'>): number {
  const G = GATES[kind];
  return L * (G * H * H + 2 * G * H) + G * H * (V + (L - 1) * H) + V * H + V;
}

/** Bytes a training (or, with slots 0, evaluation) job needs, by the formula at the top of this file. */
export function jobBytes(job: SizeJob): number {
  const { kind, V, H, L, T, B, bytes, slots, tape } = job;
  const G = GATES[kind];
  const P = parameterCount(job);
  const state = 2 * B * L * H;
  // + 64 kB for the arena's per-array alignment and the small arrays the formula leaves out;
  // on the tape, dropout's arrays are counted whether the run has dropout or not (3 numbers per unit: a fifth of the RNN's 15)
  if (tape) return tapeArenaBytes({ kind, V, H, L, T, B, dropout: true }) + 8 * ((2 + slots) * P + state) + 65_536;
  const activations = T * B * (L * (3 * G * H + 4 * H) + 3 * V);
  return (3 + slots) * P * bytes + 8 * P + (activations + state) * bytes + 65_536;
}

// ---- the tape's arena ------------------------------------------------------------------------

/** What decides the arena of one training step of charrnn.ts on the tape. */
export type TapeJob = Pick<SizeJob, 'kind' | 'V' | 'H' | 'L' | 'T' | 'B'> & { dropout: boolean };

/**
 * Arena elements per hidden unit, layer, step and stream for each cell kind: the tensors a step of
 * charrnn.ts records and the gradients its backward pass computes (LSTM and GRU: gate blocks, their
 * slices, activations and products; the RNN has no slices), counted with the WebAssembly tape
 * backend's highWater() (src/fast/tape.ts).
 */
const PER_UNIT: { readonly [K in CellKind]: number } = { rnn: 15, lstm: 79, gru: 80 };

/**
 * The arena bytes of one training step of charrnn.ts on the tape (forward and backward), an upper
 * bound by about 1% at W2's size: per unit as above (+3 for dropout's masked outputs and their
 * gradients), 4 per logit (logits, probabilities, their gradients), 4 per parameter (the weights'
 * transposes and their gradients), and up to 64 elements per step and layer for rounding each array
 * up to 16 bytes. Closed form, like the rest of this file. test/fast/tape-memory.test.ts holds it
 * to highWater().
 */
export function tapeArenaBytes(j: TapeJob): number {
  const units = j.T * j.B * j.H * j.L;
  return 8 * ((PER_UNIT[j.kind] + (j.dropout ? 3 : 0)) * units + 4 * j.T * j.B * j.V + 4 * parameterCount(j) + 64 * j.T * j.L + 1024);
}

// ---- refusals --------------------------------------------------------------------------------

/** `n` in decimal multiples of `unit` ("1.2 G" + unit, "340 M" + unit), one decimal under 10; below 1,000, `n` and `plain`. */
export function formatScaled(n: number, unit: string, plain: string): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [u, prefix] of units) if (n >= u) return `${(n / u).toFixed(n / u >= 10 ? 0 : 1)} ${prefix}${unit}`;
  return `${n} ${plain}`;
}

/** "1.2 GB", "340 MB", "12 kB": decimal units, one decimal under 10. */
export const formatBytes = (n: number): string => formatScaled(n, 'B', 'bytes');

/** formatBytes, or "2.3e+15 bytes" for the absurd (where "2300 TB" reads worse). */
const showBytes = (n: number): string => (!Number.isFinite(n) || n >= 1e15 ? `${n.toExponential(1)} bytes` : formatBytes(n));

/**
 * A SizeError when `bytes` exceeds `limit`: `what` says what would take them ("this model with batch 50 × seq 50").
 * The one memory check: a job against the runtime's limit, and a WebAssembly memory against WASM_MEMORY_MAX.
 */
export function checkMemory(bytes: number, limit: number, what: string): void {
  if (!(bytes <= limit)) {
    throw new SizeError(
      `${what} would need about ${showBytes(bytes)} of memory, more than the ${showBytes(limit)} this runtime allows: use a smaller --hidden, --layers, --batch or --seq`,
    );
  }
}

/** A SizeError when one array would be longer than a typed array can be (2^32 − 1 elements in Node 20). */
export function checkArrayLength(n: number, what: string): void {
  if (!(n <= 2 ** 32 - 1))
    throw new SizeError(`${what} would need one array of ${n.toExponential(2)} numbers; at most ${2 ** 32 - 1} fit: use a smaller --hidden, --batch or --seq`);
}

/** The whole check for a job: total memory and the largest single array (a layer's weights, a chunk's logits). */
export function checkJob(job: SizeJob, limit: number, what: string): void {
  const G = GATES[job.kind];
  checkArrayLength(Math.max(G * job.H * Math.max(job.V, job.H), job.T * job.B * Math.max(job.V, G * job.H)), what);
  checkMemory(jobBytes(job), limit, what);
}

/**
 * The gradient check's budget: finite differences evaluate the loss twice per checked entry, and a
 * loss costs about T·B·P multiply-adds, so the work is about (2·entries + 10)·T·B·P. 2·10^10 is about
 * a minute of float64 TypeScript on one core of a 2020s laptop.
 */
export const GRADCHECK_WORK_BUDGET = 2e10;

export function gradcheckWork(entries: number, job: Pick<SizeJob, 'kind' | 'V' | 'H' | 'L' | 'T' | 'B'>): number {
  return (2 * entries + 10) * job.T * job.B * parameterCount(job);
}
