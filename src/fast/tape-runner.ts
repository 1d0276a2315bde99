// Training steps on the WebAssembly tape backend (tape.ts): a TapeRunner holds a model's
// parameters (and the optimizer's slots) in the backend's lasting memory, starts each step on a
// fresh arena, and when a step outgrows the arena moves everything to a larger backend and runs
// the step again. The Trainer's tape engine (src/train/engines.ts) runs its steps here, and
// tapeMemoryBytes says ahead how much WebAssembly memory that takes (the arena itself is counted
// by src/limits.ts, whose size guard uses the same count).

import { tsKernels } from '../engine/kernels/index.ts';
import { Tensor } from '../engine/tensor.ts';
import { checkMemory, type TapeJob, tapeArenaBytes, WASM_MEMORY_MAX } from '../limits.ts';
import { paramShapes } from '../models/charrnn.ts';
import { type Optimizer, optimSlots } from '../optim/optim.ts';
import type { VectorOps } from '../optim/vector.ts';
import { ArenaFullError, type WasmTapeBackend, wasmTapeBackend } from './tape.ts';

/** What a step too big for one WebAssembly memory is called in the refusal (limits.ts's checkMemory). */
const ONE_STEP = 'one training step on the WebAssembly tape';

/** The bytes of arrays of these lengths placed in lasting memory, each rounded up to 16 (the kernels' alignment), with `slots` optimizer slots per array. */
function placedBytes(lengths: Iterable<number>, slots: number): number {
  let bytes = 0;
  for (const n of lengths) bytes += Math.ceil((8 * n) / 16) * 16;
  return (1 + slots) * bytes;
}

/** The bytes of the one WebAssembly memory a TapeRunner takes for a step of charrnn.ts: the arena, the parameters and `slots` optimizer slots per parameter. */
export function tapeMemoryBytes(j: TapeJob, slots: number): number {
  const lengths = paramShapes({ kind: j.kind, vocabSize: j.V, hiddenSize: j.H, layers: j.L }).map(([, s]) => s[0] * (s[1] ?? 1));
  return tapeArenaBytes(j) + placedBytes(lengths, slots);
}

/**
 * Runs steps on a WebAssembly tape backend holding a set of named parameters: `run(f)` starts a
 * step (reset) and calls f with the placed parameters; if the arena turns out too small, it moves
 * the parameters to a backend with a larger arena and calls f again. f must therefore be a pure
 * function of the parameters and its own arguments until it returns (a forward and backward pass
 * is; the optimizer's update comes after). `params` is one record whose entries are replaced on a
 * move, so a caller holding it sees the current tensors. An `optimizer`, when given, is moved to
 * each backend's lasting memory with them (Optimizer.moveTo), so its slots sit beside the
 * parameters and its update runs on the SIMD kernels.
 */
export class TapeRunner {
  private be: WasmTapeBackend;
  readonly params: Record<string, Tensor> = {};
  private shared: Record<string, Tensor> | null = null;
  private placedBytes = 0;

  constructor(
    params: Record<string, Tensor>,
    private readonly threads: 1 | 2,
    arenaBytes: number,
    private readonly optimizer: Pick<Optimizer, 'name' | 'moveTo'> | null = null,
  ) {
    this.be = this.place(params, arenaBytes);
  }

  get backend(): WasmTapeBackend {
    return this.be;
  }

  /** Clipping's and the optimizers' loops on the current backend's kernels (stable across moves). */
  readonly vectorOps: VectorOps = {
    adagrad: (w, g, mem, n, lr, eps) => this.be.vectorOps.adagrad(w, g, mem, n, lr, eps),
    rmsprop: (w, g, sq, n, lr, alpha, eps) => this.be.vectorOps.rmsprop(w, g, sq, n, lr, alpha, eps),
    adam: (w, g, m, v, n, stepSize, root2, beta1, beta2, eps) => this.be.vectorOps.adam(w, g, m, v, n, stepSize, root2, beta1, beta2, eps),
    clip: (g, n, c) => this.be.vectorOps.clip(g, n, c),
    scale: (g, n, s) => this.be.vectorOps.scale(g, n, s),
    sumSquares: (g, n) => this.be.vectorOps.sumSquares(g, n),
  };

  private place(params: Record<string, Tensor>, arenaBytes: number): WasmTapeBackend {
    const lengths = Object.values(params).map((t) => t.size);
    const placed = placedBytes(lengths, this.optimizer ? optimSlots(this.optimizer.name).length : 0);
    checkMemory(arenaBytes + placed, WASM_MEMORY_MAX, ONE_STEP);
    const be = wasmTapeBackend({ arenaBytes, placedBytes: placed, threads: this.threads });
    this.placedBytes = placed;
    for (const [name, t] of Object.entries(params)) this.params[name] = be.place(t);
    this.optimizer?.moveTo(be.lasting);
    return be;
  }

  run<R>(f: (params: Record<string, Tensor>) => R): R {
    for (;;) {
      this.be.reset();
      try {
        return f(this.params);
      } catch (e) {
        if (!(e instanceof ArenaFullError)) throw e;
        const old = this.be;
        checkMemory(e.neededAtLeast + this.placedBytes, WASM_MEMORY_MAX, ONE_STEP);
        const room = WASM_MEMORY_MAX - this.placedBytes; // the most the arena can grow to
        this.be = this.place({ ...this.params }, Math.min(room, Math.max(2 * e.bytes, Math.ceil(1.25 * e.neededAtLeast))));
        this.shared = null;
        old.dispose();
      }
    }
  }

  /**
   * The parameters' data (shared, not copied) as tensors on the reference backend: for work
   * outside the steps (sampling, checkpoints), which must not take arrays from the step's arena.
   */
  views(): Record<string, Tensor> {
    if (!this.shared) {
      this.shared = {};
      for (const [name, t] of Object.entries(this.params)) this.shared[name] = Tensor.on(tsKernels, t.data, t.shape);
    }
    return this.shared;
  }

  dispose(): void {
    this.be.dispose();
  }
}
