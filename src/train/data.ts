// How char-rnn feeds text to the model: a train/validation/test split, and each split cut into B
// contiguous stripes that are read in parallel, T characters at a time.
//
//   text (N ids) = [ train (≈ 95%) | validation (≈ 5%) | test (the rest) ]
//   train (n ids) → B stripes of S = ⌊(n − 1)/B⌋ ids:  stream b reads ids b·S, b·S + 1, …
//   chunk k of an epoch: stream b's inputs are ids b·S + k·T + t (t < T), its targets the next ids
//   chunks per epoch: ⌊S / T⌋ (the tail of each stripe shorter than T is not used)
//
// Because each stripe is read in order, the hidden state at the end of chunk k is the right context
// for chunk k + 1: that is what lets truncated BPTT carry the state across batches.

import type { Ids } from '../data/encoded.ts';
import { UserError } from '../errors.ts';
import type { Batch } from '../models/charrnn.ts';

/** Encoded text: one id per character (encoded.ts makes the narrowest of these; Int32Array is accepted too). */
export type IdArray = Ids | Int32Array;

export interface SplitFractions {
  train: number;
  val: number;
}

export interface Split {
  train: IdArray;
  val: IdArray;
  test: IdArray;
}

/** Cut ids into train / validation / test, in that order (char-rnn's default fractions 0.95 / 0.05 / 0); views, not copies, of a typed array. */
export function splitData(ids: IdArray | readonly number[], { train, val }: SplitFractions): Split {
  if (!(train > 0 && val >= 0 && train + val <= 1 + 1e-12)) {
    throw new UserError(`split fractions must have train > 0, val ≥ 0 and train + val ≤ 1, got train ${train}, val ${val}`);
  }
  const all: IdArray = ArrayBuffer.isView(ids) ? ids : Int32Array.from(ids);
  const nTrain = Math.floor(all.length * train);
  // When the fractions add up to 1, validation takes the whole rest (no stray test character).
  const nVal = train + val >= 1 - 1e-9 ? all.length - nTrain : Math.min(all.length - nTrain, Math.floor(all.length * val));
  return { train: all.subarray(0, nTrain), val: all.subarray(nTrain, nTrain + nVal), test: all.subarray(nTrain + nVal) };
}

/** A split read as B parallel stripes in chunks of T steps. */
export class Stripes {
  /** Ids per stripe (S). */
  readonly stripeLength: number;
  /** Chunks in one pass over the data (an epoch). */
  readonly chunks: number;

  /** `total`: the whole text's length, when `ids` is a part of it (named in the too-short message). */
  constructor(
    readonly ids: IdArray,
    readonly B: number,
    readonly T: number,
    what = 'the training text',
    total = ids.length,
  ) {
    if (!(Number.isSafeInteger(B) && B > 0 && Number.isSafeInteger(T) && T > 0))
      throw new UserError(`batch and seq must be positive integers, got ${B} and ${T}`);
    this.stripeLength = Math.floor((ids.length - 1) / B);
    this.chunks = Math.floor(this.stripeLength / T);
    if (this.chunks < 1) {
      const part = total === ids.length ? '' : ` (${ids.length} in the training part)`;
      throw new UserError(
        `${what} has ${total} character${total === 1 ? '' : 's'}${part}: too short for batch ${B} × seq ${T} (needs at least ${B * T + 1}${part ? ' in the training part' : ''}); use a smaller --batch or --seq`,
      );
    }
  }

  /** Chunk k (0 ≤ k < chunks), time-major. */
  batch(k: number): Batch {
    if (!(Number.isInteger(k) && k >= 0 && k < this.chunks)) throw new Error(`chunk ${k} is out of range (0 to ${this.chunks - 1})`);
    const { B, T, ids, stripeLength: S } = this;
    const inputs = new Int32Array(T * B),
      targets = new Int32Array(T * B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const at = b * S + k * T + t;
        inputs[t * B + b] = ids[at];
        targets[t * B + b] = ids[at + 1];
      }
    }
    return { inputs, targets, T, B };
  }
}

/**
 * Stripes for evaluating a text of any length ≥ 2: B streams if the text allows, fewer (down to one
 * stream with a shorter T) when it is short. Every prediction used is counted once.
 */
export function evalStripes(ids: IdArray, B: number, T: number): Stripes | null {
  if (ids.length < 2) return null;
  const b = Math.max(1, Math.min(B, Math.floor((ids.length - 1) / T)));
  return new Stripes(ids, b, Math.min(T, ids.length - 1));
}

/** A fingerprint of the training ids (FNV-1a over the ids), so a resume can tell the text changed. */
export function fingerprint(ids: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < ids.length; i++) {
    let v = ids[i];
    for (let k = 0; k < 4; k++) {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
      v >>>= 8;
    }
  }
  return `${ids.length}:${h.toString(16).padStart(8, '0')}`;
}
