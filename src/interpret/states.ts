// Reading a trained model's memory over a text: run it one character at a time (B = 1, from a zero
// state) and keep, after each character, every layer's LSTM cell state c (or the hidden state h of
// any cell kind), packed for the statistics of track.ts: per layer one float32 array, T × H, row-major.
//
// This is the bulk reader behind "which of my cells track this feature": inspect.ts's
// traceActivations keeps one Float64Array per step and layer and the next-character guesses, which
// suits a passage of a few hundred characters; here a hundred thousand characters of a 2 × 512
// model take 400 MB, on the fast kernels (float32 WebAssembly when built).
//
// Dimensions: T characters recorded, L layers, H cells per layer.

import { UserError } from '../errors.ts';
import { type KernelChoice, samplingStepper } from '../fast/select.ts';
import { configOf, HAS_CELL_STATE, type Params, type State, stepper, zeroState } from '../models/charrnn.ts';

/** One number per (layer, step, cell): layers[l][t·H + j] is cell j of layer l after reading character t. */
export interface CellStates {
  T: number;
  H: number;
  /** Per layer, T × H row-major. */
  layers: Float32Array[];
}

export interface CellStatesOptions {
  /** 'c' (default): the LSTM's cell state; 'h': the hidden state (any cell kind). */
  which?: 'c' | 'h';
  /** Feed ids[0 .. from) first without recording them (a warm-up, so the states are not those of a fresh start). */
  from?: number;
  /** Kernels for the steps (default 'auto': WebAssembly when built, in float32). */
  kernels?: KernelChoice;
}

/** Feeds `ids` through the model and records every layer's c (or h) after each id from `from` on. */
export function cellStates(params: Params, ids: ArrayLike<number>, opts: CellStatesOptions = {}): CellStates {
  const config = configOf(params);
  const which = opts.which ?? 'c';
  if (which === 'c' && !HAS_CELL_STATE[config.kind]) throw new UserError(`a ${config.kind} has no cell state c: read its hidden state h instead`);
  const from = opts.from ?? 0;
  if (!Number.isInteger(from) || from < 0 || from >= ids.length) throw new UserError(`from must be an index into the ${ids.length} ids, got ${opts.from}`);
  const { hiddenSize: H, layers: L, vocabSize: V } = config;
  const T = ids.length - from;
  const layers = Array.from({ length: L }, () => new Float32Array(T * H));
  const engine = samplingStepper(params, opts.kernels ?? 'auto', 'f32');
  try {
    const step = engine.stepper ?? stepper(params);
    let state: State = zeroState(config, 1);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new UserError(`id ${id} at position ${i} is outside the model's vocabulary of ${V}`);
      state = step([id], state).state;
      if (i < from) continue;
      const off = (i - from) * H;
      for (let l = 0; l < L; l++) layers[l].set(which === 'c' ? state.c[l] : state.h[l], off);
    }
  } finally {
    engine.dispose();
  }
  return { T, H, layers };
}

/** Cell j of layer l over time (length T). */
export function cellSeries(states: CellStates, layer: number, cell: number): Float32Array {
  const { T, H } = states;
  const src = states.layers[layer];
  if (!src || !Number.isInteger(cell) || cell < 0 || cell >= H)
    throw new UserError(`no cell ${cell} in layer ${layer} (${states.layers.length} layers of ${H})`);
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) out[t] = src[t * H + cell];
  return out;
}
