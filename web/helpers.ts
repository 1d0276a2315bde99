// The page's pure logic, kept out of the DOM code so that it can be unit-tested
// (test/web-helpers.test.ts): the fields' ranges, fitting batch and seq to a short text, the size
// limits of a run in a browser tab, and plain wording for checkpoint errors. (The smoothed loss the
// page shows is the library's smoothedLoss, src/train/smooth.ts, as rnn train's.)

import { formatBytes, NOMINAL_FLOPS_PER_SECOND, type RunSize, UserError } from '../src/core.ts';

// ---- fields -------------------------------------------------------------------------------------

export interface FieldSpec {
  /** The field's label, as the page shows it. */
  label: string;
  min: number;
  max: number;
  integer: boolean;
  /** The minimum itself is not allowed (a learning rate of 0). */
  aboveMin?: boolean;
}

/** Every numeric field of the page, by element id (main.ts gives the inputs these min and max). */
export const FIELDS = {
  layers: { label: 'layers', min: 1, max: 4, integer: true },
  hidden: { label: 'hidden units', min: 1, max: 512, integer: true },
  seq: { label: 'seq length', min: 1, max: 200, integer: true },
  batch: { label: 'batch', min: 1, max: 200, integer: true },
  lr: { label: 'learning rate', min: 0, max: 1, integer: false, aboveMin: true },
  'lr-decay': { label: 'learning-rate decay per epoch', min: 0, max: 1, integer: false, aboveMin: true },
  epochs: { label: 'epochs', min: 1, max: 100_000, integer: true },
  temperature: { label: 'temperature', min: 0.05, max: 3, integer: false },
  'sample-length': { label: 'sample length', min: 1, max: 5000, integer: true },
  'gc-hidden': { label: 'check hidden units', min: 1, max: 32, integer: true },
  'gc-seq': { label: 'check seq length', min: 1, max: 50, integer: true },
  'gc-batch': { label: 'check batch', min: 1, max: 10, integer: true },
} as const satisfies Record<string, FieldSpec>;

export type FieldId = keyof typeof FIELDS;

/** The value typed into a field, or a UserError that names the field and its range. */
export function readField(spec: FieldSpec, raw: string): number {
  const x = raw.trim() === '' ? NaN : Number(raw);
  const range = spec.integer
    ? `a whole number from ${spec.min} to ${spec.max}`
    : spec.aboveMin
      ? `a number above ${spec.min}, at most ${spec.max}`
      : `a number from ${spec.min} to ${spec.max}`;
  const ok = Number.isFinite(x) && (spec.integer ? Number.isInteger(x) : true) && (spec.aboveMin ? x > spec.min : x >= spec.min) && x <= spec.max;
  if (!ok) throw new UserError(`${spec.label} must be ${range} (it is ${raw.trim() === '' ? 'empty' : `"${raw.trim()}"`})`);
  return x;
}

// ---- a short text ---------------------------------------------------------------------------------

/** The share of the text the page trains on (the rest is held out for validation): the trainer's default. */
export const TRAIN_FRACTION = 0.95;

/** Characters in the training part of a text of `n` characters (as splitData cuts it). */
export function trainingChars(n: number): number {
  return Math.floor(n * TRAIN_FRACTION);
}

/**
 * Batch and seq that fit a text of `n` characters (code points): the training part must hold
 * batch × seq + 1 of them. Seq is kept if it can be (it is how far back the model learns to look),
 * and the batch shrunk; for a very short text both. A note says what changed, in the page's words.
 */
export function fitToText(n: number, batch: number, seq: number): { batch: number; seq: number; note: string } {
  const m = trainingChars(n);
  if (m < 2) {
    throw new UserError(
      `the text is too short to train on: it has ${n} character${n === 1 ? '' : 's'}, and at least 3 are needed (5% is held out to measure the model on)`,
    );
  }
  if (batch * seq + 1 <= m) return { batch, seq, note: '' };
  const T = Math.min(seq, m - 1),
    B = Math.max(1, Math.min(batch, Math.floor((m - 1) / T)));
  const changes = [B !== batch ? `batch ${batch} → ${B}` : '', T !== seq ? `seq length ${seq} → ${T}` : ''].filter((s) => s !== '').join(', ');
  return {
    batch: B,
    seq: T,
    note: `The text is short (${n.toLocaleString('en')} characters, ${m.toLocaleString('en')} of them for training), so the page made the batch and sequence fit it: ${changes}.`,
  };
}

// ---- what a browser tab can take ---------------------------------------------------------------

/** Memory a model may take in the page. */
export const PAGE_MAX_BYTES = 1e9;
/** The longest a training iteration may be expected to take, in seconds (the worker answers only between iterations). */
export const PAGE_MAX_STEP_SECONDS = 2;

/** A UserError in plain words if the run is too big for the page; the estimated seconds per iteration otherwise. */
export function checkPageSize(size: RunSize): number {
  const seconds = size.flopsPerStep / NOMINAL_FLOPS_PER_SECOND;
  const what = `${size.parameters.toLocaleString('en')} parameters`;
  if (size.bytes > PAGE_MAX_BYTES) {
    throw new UserError(
      `this model is too big for the page: it would need about ${formatBytes(size.bytes)} of memory (${what}); the page allows ${formatBytes(PAGE_MAX_BYTES)}. Use fewer hidden units or layers, or a smaller batch or seq length.`,
    );
  }
  if (seconds > PAGE_MAX_STEP_SECONDS) {
    throw new UserError(
      `this model is too big for the page: one training step would take about ${seconds.toFixed(0)} s (${what}, batch × seq characters per step), and the page allows ${PAGE_MAX_STEP_SECONDS} s. Use fewer hidden units or layers, or a smaller batch or seq length.`,
    );
  }
  return seconds;
}

// ---- checkpoints ----------------------------------------------------------------------------------

/**
 * A checkpoint error as a user can read it: the library's messages are exact (header lengths in
 * bytes, tensor names); a file that is not a checkpoint at all is said to be so.
 */
export function plainCheckpointError(name: string, message: string): string {
  if (/is truncated|header length \d+ is larger|bad header|beyond the \d+-byte data buffer/.test(message)) {
    return `${name} is not a checkpoint this page can read: it is cut short, damaged, or another kind of file (choose a .safetensors file saved by this page, rnn train or PyTorch)`;
  }
  return message;
}
