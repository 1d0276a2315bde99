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
//              + T·B·(L·(3·G·H + 4·H) + 3·V) numbers of activations (×3 on the tape) + B·L·H·2 state
//
// The estimate is an upper bound on the fast path's own arena (fastModelBytes, checked by the tests),
// not an exact count: it is meant to refuse the absurd early, not to budget the last megabyte.

import { UserError } from './errors.ts';
import { type CellKind, GATES } from './models/charrnn.ts';
import { formatBytes } from './train/estimate.ts';

/** Raised for sizes the runtime cannot allocate: a usage error (exit 2 on the command line). */
export class SizeError extends UserError {}

/**
 * The default ceiling for one job: 4 GiB, which is what a WebAssembly memory (the fast path's arena)
 * can hold at most and more than a browser tab is given. The command line passes the smaller of
 * this and 80% of the machine's memory (see cli/limits.ts); a page can pass its own.
 */
export const DEFAULT_MEMORY_LIMIT = 4 * 2 ** 30;

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
  /** Whether the autodiff tape records the activations (it keeps about three times as many). */
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
  const activations = T * B * (L * (3 * G * H + 4 * H) + 3 * V) * (tape ? 3 : 1);
  // + 64 kB for the arena's per-array alignment and the small arrays the formula leaves out
  return (3 + slots) * P * bytes + 8 * P + activations * bytes + 2 * B * L * H * bytes + 65_536;
}

/** estimate.ts's units, or "2.3e+15 bytes" for the absurd (where "2300 TB" reads worse). */
const showBytes = (n: number): string => (!Number.isFinite(n) || n >= 1e15 ? `${n.toExponential(1)} bytes` : formatBytes(n));

/** A SizeError when `bytes` exceeds `limit`: `what` says what would take them ("this model with batch 50 × seq 50"). */
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
