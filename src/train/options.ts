// The options of a char-rnn training run (train.lua's flags), their defaults, and their checks.

import { clip, preview, UserError } from '../errors.ts';
import type { DType } from '../fast/kernels.ts';
import { DTYPES, KERNEL_CHOICES, type KernelChoice } from '../fast/select.ts';
import { checkJob, DEFAULT_MEMORY_LIMIT } from '../limits.ts';
import { CELL_KINDS, type CellKind } from '../models/charrnn.ts';
import { GRAD_PATHS, type GradPath } from '../models/rnn.paths.ts';
import { CLIP_MODES, type ClipMode } from '../optim/clip.ts';
import { OPTIMIZERS, type OptimName, optimSlots } from '../optim/optim.ts';

/** Hyperparameters of a run. */
export interface TrainerOptions {
  model: CellKind;
  layers: number;
  hidden: number;
  seqLength: number; // T
  batchSize: number; // B
  optim: OptimName;
  lr: number;
  lrDecay: number; // multiply the learning rate by this at the end of each epoch from decayAfter on (1 = never)
  decayAfter: number;
  clip: number;
  clipMode: ClipMode; // each gradient entry to [−clip, clip] (char-rnn), or the global L2 norm to clip
  dropout: number; // inverted dropout between layers and before the decoder
  epochs: number;
  trainFrac: number;
  valFrac: number;
  seed: number; // seeds initialisation and the dropout masks
  grad: GradPath; // 'manual' (hand-derived backprop, faster) or 'tape' (autodiff)
  kernels: KernelChoice; // 'auto' (WebAssembly when available), 'wasm' or 'ts'; grad 'manual' only
  dtype: DType; // the precision of training: 'f32' (fast) or 'f64' (the tape is always f64, on the TypeScript or the WebAssembly kernels)
  threads: number; // 0 = as many as help (2 with the WebAssembly kernels on 2+ cores), 1 or 2
}

/** char-rnn's defaults (train.lua), for every model kind. */
export const TRAINER_DEFAULTS: Readonly<TrainerOptions> = Object.freeze({
  model: 'lstm',
  layers: 2,
  hidden: 128,
  seqLength: 50,
  batchSize: 50,
  optim: 'rmsprop',
  lr: 2e-3,
  lrDecay: 0.97,
  decayAfter: 10,
  clip: 5,
  clipMode: 'value',
  dropout: 0,
  epochs: 50,
  trainFrac: 0.95,
  valFrac: 0.05,
  seed: 123,
  grad: 'manual',
  kernels: 'auto',
  dtype: 'f32',
  threads: 0,
});

/** What a checkpoint written before the fast kernels existed trained with: the readable float64 path. */
export const BEFORE_FAST: Pick<TrainerOptions, 'kernels' | 'dtype' | 'threads'> = { kernels: 'ts', dtype: 'f64', threads: 0 };

/** What may change when resuming (everything else would make it a different run). */
export type ResumeOptions = Partial<Pick<TrainerOptions, 'epochs' | 'grad' | 'kernels' | 'threads'>>;

export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every option checked, with a UserError naming the first bad one. */
export function checkOptions(o: TrainerOptions): void {
  const bad = (msg: string): never => {
    throw new UserError(msg);
  };
  // NOTE: first, so that no comparison below coerces an array or object (a checkpoint's options are
  // hostile input: `[[[…]]] > 0` calls toString 200,000 levels deep and overflows the stack)
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' && typeof v !== 'string') bad(`option ${clip(k)} must be a number or a name, got ${preview(v)}`);
  }
  if (!CELL_KINDS.includes(o.model)) bad(`model must be one of ${CELL_KINDS.join(', ')}, got ${preview(o.model)}`);
  if (!OPTIMIZERS.includes(o.optim)) bad(`optim must be one of ${OPTIMIZERS.join(', ')}, got ${preview(o.optim)}`);
  for (const k of ['layers', 'hidden', 'seqLength', 'batchSize', 'epochs'] as const) {
    if (!Number.isSafeInteger(o[k]) || o[k] < 1) bad(`${k} must be a positive integer, got ${preview(o[k])}`);
  }
  if (!Number.isSafeInteger(o.decayAfter) || o.decayAfter < 0) bad(`decayAfter must be a non-negative integer, got ${preview(o.decayAfter)}`);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) bad(`learning rate must be a positive number, got ${preview(o.lr)}`);
  if (!(o.lrDecay > 0 && o.lrDecay <= 1)) bad(`lrDecay must be in (0, 1], got ${preview(o.lrDecay)}`);
  if (!(o.clip > 0)) bad(`clip must be a positive number, got ${preview(o.clip)}`);
  if (!CLIP_MODES.includes(o.clipMode)) bad(`clipMode must be 'value' or 'norm', got ${preview(o.clipMode)}`);
  if (!(o.dropout >= 0 && o.dropout < 1)) bad(`dropout must be in [0, 1), got ${preview(o.dropout)}`);
  if (!(o.trainFrac > 0 && o.valFrac >= 0 && o.trainFrac + o.valFrac <= 1))
    bad(`split fractions must have train > 0, val ≥ 0, train + val ≤ 1; got ${preview(o.trainFrac)} and ${o.valFrac}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) bad(`seed must be an integer from 0 to 4294967295, got ${preview(o.seed)}`);
  if (!GRAD_PATHS.includes(o.grad)) bad(`grad must be 'tape' or 'manual', got ${preview(o.grad)}`);
  if (!KERNEL_CHOICES.includes(o.kernels)) bad(`kernels must be one of ${KERNEL_CHOICES.join(', ')}, got ${preview(o.kernels)}`);
  if (!DTYPES.includes(o.dtype)) bad(`dtype must be one of ${DTYPES.join(', ')}, got ${preview(o.dtype)}`);
  if (o.threads !== 0 && o.threads !== 1 && o.threads !== 2) bad(`threads must be 0 (automatic), 1 or 2, got ${preview(o.threads)}`);
  if (o.grad === 'tape' && o.dtype !== 'f64') bad('the tape computes in float64 (on either kernels): use dtype f64 (--dtype f64) or the manual gradients');
}

/**
 * A SizeError (before anything is allocated) when a run of these options on a vocabulary of V
 * characters would need more memory than `limit` bytes, or an array longer than a typed array can be.
 */
export function checkTrainingSize(o: TrainerOptions, V: number, limit = DEFAULT_MEMORY_LIMIT): void {
  const job = {
    kind: o.model,
    V,
    H: o.hidden,
    L: o.layers,
    T: o.seqLength,
    B: o.batchSize,
    bytes: o.dtype === 'f32' ? (4 as const) : (8 as const),
    slots: optimSlots(o.optim).length,
    tape: o.grad === 'tape',
  };
  checkJob(
    job,
    limit,
    `a ${o.layers}-layer ${o.model.toUpperCase()} with ${o.hidden} hidden units, vocabulary ${V}, batch ${o.batchSize} × seq ${o.seqLength}`,
  );
}
