// The two ways a Trainer runs its steps, behind one interface, chosen once when the trainer is made:
//   ReadableEngine — the readable models in float64 (the tape, or the hand-derived *.manual.ts
//                    files, on TypeScript loops) and the readable optimizers (src/optim); the
//                    tape either on the engine's TypeScript kernels or, with the WebAssembly
//                    kernels, on the tape backend of src/fast/tape.ts (parameters and every
//                    tensor of a step in WebAssembly memory; the same code, float64);
//   FastEngine     — src/fast/model.ts: the hand-derived maths on a kernel set (WebAssembly SIMD or
//                    the reference TypeScript kernels, float32 or float64), with its own copies of
//                    the parameters, the carried state and the optimizer's slots in kernel memory.
// Both run a step in the same order: forward and backward, the caller's divergence check (which
// may throw, and then nothing has changed), clipping, the optimizer update.
//
// Dimensions: B streams, T steps per chunk.

import type { FastKernels } from '../fast/kernels.ts';
import { FastCharRNN, fastModelBytes } from '../fast/model.ts';
import { defaultThreads, makeKernels, resolveKernels } from '../fast/select.ts';
import { TapeRunner } from '../fast/tape-runner.ts';
import { applyUpdate, clipGrads, gradsFinite } from '../fast/update.ts';
import { tapeArenaBytes } from '../limits.ts';
import { charLossAndGrads, type GradPath } from '../models/charrnn.paths.ts';
import type { Batch, CharRNNConfig, DropoutMasks, Params, State } from '../models/charrnn.ts';
import { arraysFinite, type ClipMode, clipGradients, float64GradOps, type GradOps, kernelGradOps } from '../optim/clip.ts';
import type { Optimizer, OptimizerState } from '../optim/optim.ts';
import type { Stripes } from './data.ts';
import { evaluateWholeChunks } from './evaluate.ts';
import type { TrainerOptions } from './options.ts';

/** Called between backward and the update with the loss and whether every gradient is finite; throws to refuse the step. */
export type StepCheck = (loss: number, gradsFinite: boolean) => void;

export interface StepEngine {
  /** Which kernels and precision the steps run on: e.g. 'wasm f32 ×2', 'ts f64 (manual)'. */
  readonly name: string;
  /** The kernel set, or null on the readable float64 path. */
  readonly kernels: FastKernels | null;
  /** The parameters as float64 Tensors (the fast engine's are a copy, refreshed after each step). */
  params(): Params;
  /** The state carried into the next chunk (B streams). */
  getState(): State;
  setState(s: State): void;
  /** The optimizer's state, to continue exactly (copies). */
  optimizerState(): OptimizerState;
  /** One step on `batch` from the carried state; returns the loss (nats/char) and the gradients' global norm before clipping. */
  step(batch: Batch, masks: DropoutMasks | undefined, lr: number, check: StepCheck): { loss: number; gradNorm: number };
  /** The mean loss over the whole chunks of `stripes`, from a zero state, leaving the carried state alone. */
  evaluate(stripes: Stripes): number;
  /** Stops helper threads, if any; the engine must not be used afterwards. */
  dispose(): void;
}

interface Clipping {
  clipMode: ClipMode;
  clip: number;
}

/**
 * The readable path: float64 Tensors, the tape or the manual models, the readable optimizers. With
 * a TapeRunner the tape runs on its WebAssembly backend, where the parameters then live, and so do
 * the optimizer's slots (the runner moves them there): clipping and the update run on that kernel
 * set's SIMD loops, the same formulas as the readable ones.
 */
class ReadableEngine implements StepEngine {
  readonly kernels = null;
  readonly name: string;
  private readonly _params: Params;
  private readonly gradOps: GradOps;

  constructor(
    private readonly grad: GradPath,
    private readonly clipping: Clipping,
    params: Params,
    private state: State,
    private readonly optimizer: Optimizer,
    private readonly tape: TapeRunner | null = null,
  ) {
    this._params = tape ? tape.params : params;
    this.name = tape ? `${tape.backend.name} (tape)` : `ts f64 (${grad})`;
    this.gradOps = tape ? kernelGradOps(tape.vectorOps) : float64GradOps;
  }

  /** On the tape backend: the same data on the reference backend, so sampling and checkpoints stay off the step's arena. */
  params = (): Params => (this.tape ? this.tape.views() : this._params);
  getState = (): State => this.state;
  setState(s: State): void {
    this.state = s;
  }
  optimizerState = (): OptimizerState => this.optimizer.state();
  dispose(): void {
    this.tape?.dispose();
  }

  step(batch: Batch, masks: DropoutMasks | undefined, lr: number, check: StepCheck): { loss: number; gradNorm: number } {
    const run = (p: Params) => charLossAndGrads(this.grad, p, batch, this.state, masks);
    // the gradients stay valid until the tape's next step: clipping and the update come first
    const { loss, grads, state } = this.tape ? this.tape.run(run) : run(this._params);
    const arrays = Object.values(grads).map((g) => g.data);
    check(loss, arraysFinite(arrays, this.gradOps));
    const gradNorm = clipGradients(arrays, this.clipping.clipMode, this.clipping.clip, this.gradOps);
    this.optimizer.step(this._params, grads, lr);
    this.state = state;
    return { loss, gradNorm };
  }

  evaluate(stripes: Stripes): number {
    return evaluateWholeChunks(this.params(), stripes);
  }
}

/** The fast path: a FastCharRNN on a kernel set, its float64 parameters copied out when asked for. */
class FastEngine implements StepEngine {
  readonly name: string;
  private paramsStale = true; // in float32 the parameters are rounded as soon as they are copied in

  constructor(
    private readonly fast: FastCharRNN,
    private readonly clipping: Clipping,
    private readonly _params: Params,
    private readonly optimizer: Pick<Optimizer, 'name' | 'hyper'>,
  ) {
    const k = fast.k;
    this.name = `${k.name} ${k.dtype}${k.threads > 1 ? ` ×${k.threads}` : ''}`;
  }

  get kernels(): FastKernels {
    return this.fast.k;
  }

  params(): Params {
    if (this.paramsStale) {
      this.fast.copyParamsTo(this._params);
      this.paramsStale = false;
    }
    return this._params;
  }

  getState = (): State => this.fast.getState();
  setState = (s: State): void => this.fast.setState(s);
  dispose = (): void => this.fast.k.dispose();

  optimizerState(): OptimizerState {
    const { name, hyper } = this.optimizer;
    return { name, hyper: { ...hyper }, steps: this.fast.steps, slots: this.fast.optimizerSlots() };
  }

  step(batch: Batch, masks: DropoutMasks | undefined, lr: number, check: StepCheck): { loss: number; gradNorm: number } {
    const fast = this.fast;
    fast.saveState(); // a refused step must leave the carried state as it was
    const loss = fast.run(batch, masks, true);
    try {
      check(loss, gradsFinite(fast));
    } catch (e) {
      fast.restoreState();
      throw e;
    }
    const gradNorm = clipGrads(fast, this.clipping.clipMode, this.clipping.clip);
    applyUpdate(fast, lr, this.optimizer.hyper);
    this.paramsStale = true;
    return { loss, gradNorm };
  }

  evaluate(stripes: Stripes): number {
    const fast = this.fast;
    if (stripes.B !== fast.B || stripes.T !== fast.T) {
      // a validation text too short for B stripes of T: a model sized for it, on the same kernels and
      // precision, on one thread (a short text: starting a second would cost more than it saves)
      return evaluateWholeChunks(this.params(), stripes, { kernels: fast.k.name, dtype: fast.k.dtype, threads: 1 });
    }
    fast.saveState(); // the carried training state, put back afterwards
    fast.zeroState();
    let sum = 0;
    for (let k = 0; k < stripes.chunks; k++) sum += fast.run(stripes.batch(k), undefined, false);
    fast.restoreState();
    return sum / stripes.chunks;
  }
}

/**
 * The engine the options ask for: the readable one for grad 'tape' (on the WebAssembly tape
 * backend when the kernels are WebAssembly's), or 'manual' with the TypeScript kernels in float64;
 * the fast one otherwise. It takes over `params`, `state` and the optimizer (the fast engine and
 * the tape backend copy the parameters into kernel memory).
 */
export function makeEngine(o: TrainerOptions, config: CharRNNConfig, params: Params, state: State, optimizer: Optimizer): StepEngine {
  const clipping: Clipping = { clipMode: o.clipMode, clip: o.clip };
  const kernels = resolveKernels(o.kernels);
  const threads = o.threads === 0 ? defaultThreads() : (o.threads as 1 | 2);
  if (o.grad === 'tape') {
    if (kernels === 'ts') return new ReadableEngine(o.grad, clipping, params, state, optimizer);
    // one step's arrays, counted ahead (the runner grows the arena if a step needs more: a new cell, say)
    const job = { kind: config.kind, V: config.vocabSize, H: config.hiddenSize, L: config.layers, T: o.seqLength, B: o.batchSize, dropout: o.dropout > 0 };
    const arena = tapeArenaBytes(job);
    return new ReadableEngine(o.grad, clipping, params, state, optimizer, new TapeRunner(params, threads, arena, optimizer));
  }
  if (kernels === 'ts' && o.dtype === 'f64') return new ReadableEngine(o.grad, clipping, params, state, optimizer);
  const shape = { config, B: o.batchSize, T: o.seqLength, optim: optimizer.name, dropout: o.dropout > 0 };
  const fast = new FastCharRNN(makeKernels(kernels, o.dtype, kernels === 'ts' ? 1 : threads, fastModelBytes(shape, o.dtype)), shape);
  fast.setParams(params);
  fast.setState(state);
  fast.setOptimizerState(optimizer.state());
  return new FastEngine(fast, clipping, params, optimizer);
}
