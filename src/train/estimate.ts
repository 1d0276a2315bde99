// How big a training run is, worked out from its options before anything is allocated: the
// number of parameters, the memory a Trainer takes, and the arithmetic of one iteration. The
// command line prints it when training starts and the web page checks it against its limits, so
// an impossible size is a plain message instead of an allocation failure deep inside.
//
// Dimensions: V vocabulary, H hidden, L layers, G gates (RNN 1, GRU 3, LSTM 4), T seq, B batch.

import { UserError } from '../errors.ts';
import type { DType } from '../fast/kernels.ts';
import { fastModelBytes } from '../fast/model.ts';
import { resolveKernels } from '../fast/select.ts';
import { tapeMemoryBytes } from '../fast/tape-runner.ts';
import { checkMemory, formatBytes, formatScaled, tapeArenaBytes, WASM_MEMORY_MAX } from '../limits.ts';
import { type CharRNNConfig, GATES, paramShapes } from '../models/charrnn.ts';
import { optimSlots } from '../optim/optim.ts';
import type { TrainerOptions } from './options.ts';

/**
 * What estimateRun needs: the model's shape and the run's batch, sequence, optimizer and precision;
 * `grad` 'tape' (default 'manual') with its `kernels` (default 'auto') for the tape's own memory.
 */
export type SizeOptions = Pick<TrainerOptions, 'model' | 'layers' | 'hidden' | 'seqLength' | 'batchSize' | 'optim' | 'dtype'> &
  Partial<Pick<TrainerOptions, 'grad' | 'kernels'>> & { dropout?: number };

export interface RunSize {
  parameters: number;
  /**
   * Bytes a Trainer holds: its kernel memory (parameters, gradients, optimizer slots, activations;
   * on the tape, the arrays of one step, forward and backward) plus a float64 copy of the parameters.
   */
  bytes: number;
  /** Of those, the bytes of the one WebAssembly memory the run takes (0 on the TypeScript kernels): at most 4 GiB. */
  wasmBytes: number;
  /** Floating-point operations of one forward pass over one character (sampling, evaluation). */
  flopsPerChar: number;
  /** Floating-point operations of one training iteration (B × T characters forward and back). */
  flopsPerStep: number;
}

/**
 * A rough speed for turning FLOPs into seconds: char-rnn's LSTM (2 × 128, batch 50 × seq 50)
 * trains at about 34,000 characters per second on the two WebAssembly threads of a 2-core
 * machine (the README's Performance section), about 40 GFLOP/s by flopsPerStep's count.
 */
export const NOMINAL_FLOPS_PER_SECOND = 40e9;

/** The most a WebAssembly memory can hold (4 GiB); the TypeScript kernels are held to it too. */
export const MAX_TRAINER_BYTES = 2 ** 32;

/** Every count is exact arithmetic on integers well below 2^53 for any size that passes checkSize. */
export function estimateRun(o: SizeOptions, vocabSize: number): RunSize {
  const config: CharRNNConfig = { kind: o.model, vocabSize, hiddenSize: o.hidden, layers: o.layers };
  let parameters = 0;
  for (const [, shape] of paramShapes(config)) parameters += shape.reduce((a, b) => a * b, 1);
  const H = o.hidden,
    V = vocabSize,
    GH = GATES[o.model] * H;
  // multiply-adds per character: layer 0 looks its input weights up by id (GH), deeper layers
  // multiply their input (GH × H); every layer multiplies its previous state (GH × H); the decoder V × H
  const macs = GH + (o.layers - 1) * GH * H + o.layers * GH * H + V * H;
  const flopsPerChar = 2 * macs;
  // backward costs about twice the forward (a gradient for the weights and one for the inputs)
  const flopsPerStep = 3 * flopsPerChar * o.batchSize * o.seqLength;
  const dropout = (o.dropout ?? 0) > 0;
  const wasm = resolveKernels(o.kernels ?? 'auto') === 'wasm';
  if (o.grad === 'tape') {
    // the tape's arrays of one step, in WebAssembly memory with the parameters and slots, or on the JavaScript heap
    const job = { kind: o.model, V: vocabSize, H: o.hidden, L: o.layers, T: o.seqLength, B: o.batchSize, dropout };
    const slots = optimSlots(o.optim).length;
    const tape = wasm ? tapeMemoryBytes(job, slots) : tapeArenaBytes(job) + 8 * (1 + slots) * parameters;
    return { parameters, bytes: tape + 8 * parameters, wasmBytes: wasm ? tape : 0, flopsPerChar, flopsPerStep };
  }
  const kernelBytes = fastModelBytes({ config, B: o.batchSize, T: o.seqLength, optim: o.optim, dropout }, o.dtype as DType);
  return { parameters, bytes: kernelBytes + 8 * parameters, wasmBytes: wasm ? kernelBytes : 0, flopsPerChar, flopsPerStep };
}

/** "3.1 GFLOP" and the like. */
export const formatFlops = (n: number): string => formatScaled(n, 'FLOP', 'FLOP');

/**
 * A UserError if the run needs more memory than `maxBytes`, or (a SizeError) more WebAssembly memory
 * than one can hold (before anything is allocated).
 */
export function checkSize(size: RunSize, maxBytes = MAX_TRAINER_BYTES): void {
  checkMemory(size.wasmBytes, WASM_MEMORY_MAX, 'this run on the WebAssembly kernels');
  if (size.bytes > maxBytes) {
    throw new UserError(
      `this model and batch need about ${formatBytes(size.bytes)} of memory (${size.parameters.toLocaleString('en-US')} parameters), more than the ${formatBytes(maxBytes)} available: use fewer hidden units or layers, or a smaller batch or seq`,
    );
  }
}
