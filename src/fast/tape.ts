// The tape on the WebAssembly kernels: a backend for the engine (src/engine/kernels/index.ts) whose
// arrays live in the memory of a float64 WebAssembly kernel set (wasm.ts). Place a model's
// parameters on it (`place`) and the engine's ops and gradient rules run there unchanged: the
// matrix products on the SIMD kernels (and on two threads with `threads: 2`); when their operands
// are in this memory, eˣ, tanh and σ with their chain rules, the four arithmetic operators on equal
// shapes or a row repeated (a bias), gradient sums, bias gradients, row scatters, slices and
// concatenations on the SIMD kernels too (mapUnary, chainUnary, binaryRows, addColumnSums,
// scatterAddRows, copyRows in kernels.ts); the other loops the readable ones of
// src/engine/kernels/array.ts, writing into this memory instead of allocating. `vectorOps` gives
// clipping and the optimizers the kernel set's loops for arrays in this memory.
//
// Memory: [placed tensors (parameters, an optimizer's slots), kept until dispose | the arena of one step].
// Every array an op or the tape asks for during a step comes from the arena by bumping a pointer;
// `reset()` at the start of the next step makes all of it free again, so a step allocates nothing
// on the JavaScript heap for its tensors and the same memory serves every step. Everything computed
// on the backend (activations, gradients) is valid until the next reset(): copy out what must
// outlive the step (charrnn.ts copies the carried state; the optimizers update the placed
// parameters in place). An arena too small for a step throws ArenaFullError, before any placed
// tensor has changed; a TapeRunner (tape-runner.ts) then makes a larger backend and runs the
// step again.
//
// NOTE: float64 only: Tensor.data is a Float64Array throughout the engine and the models. The
// arrays given to a kernel may live anywhere; a matrix product copies an operand from outside this
// memory into the arena first (a constant, or a dropout mask), so mixing is correct, only slower.

import * as array from '../engine/kernels/array.ts';
import { type Kernels, tsKernels } from '../engine/kernels/index.ts';
import { Tensor } from '../engine/tensor.ts';
import { type FloatArray, float64Ops, type VectorMemory, type VectorOps } from '../optim/vector.ts';
import { BINARY_CODES, type FastKernels, UNARY_CODES } from './kernels.ts';
import { type WasmKernels, wasmKernels } from './wasm.ts';

/** The arena cannot hold one step's arrays: nothing placed has changed; retry with more bytes. */
export class ArenaFullError extends Error {
  constructor(
    readonly bytes: number,
    readonly neededAtLeast: number,
  ) {
    super(`the tape's WebAssembly arena of ${bytes} bytes is too small for one step (at least ${neededAtLeast} bytes are needed)`);
  }
}

export interface TapeBackendOptions {
  /** Bytes for the arrays of one step (forward and backward), reused every step. */
  arenaBytes: number;
  /** Bytes for placed tensors (parameters), kept until dispose. */
  placedBytes: number;
  /** 2: the large matrix products are split with a worker thread, with the same bits as one. */
  threads?: 1 | 2;
}

export interface WasmTapeBackend extends Kernels {
  /** The kernel set underneath (its memory holds every array of this backend). */
  readonly kernels: WasmKernels;
  readonly arenaBytes: number;
  /** Starts a step: the arena's arrays from before are free again (and must not be used). */
  reset(): void;
  /** A copy of `t`'s values in this backend's lasting memory, as a tensor on this backend. */
  place(t: Tensor): Tensor;
  /** The optimizers' and clipping's loops on the SIMD kernels (the float64 loops for an array outside this memory). */
  readonly vectorOps: VectorOps;
  /** The lasting memory (where `place` puts tensors) with vectorOps: where an optimizer keeps its slots. */
  readonly lasting: VectorMemory;
  /** The most arena bytes one step has used since this backend was made. */
  highWater(): number;
  /** Stops the kernel set's worker thread; the backend must not be used afterwards. */
  dispose(): void;
}

const F64 = 8;
const ALIGN = 2; // elements: 16 bytes, the kernels' alignment

export function wasmTapeBackend(o: TapeBackendOptions): WasmTapeBackend {
  const threads = o.threads ?? 1;
  const arenaElems = Math.ceil(o.arenaBytes / 16) * ALIGN;
  const k = wasmKernels({ dtype: 'f64', threads, bytes: arenaElems * F64 + Math.ceil(o.placedBytes / 16) * 16 + 64 });
  const region = k.alloc(arenaElems);
  if (!(region instanceof Float64Array)) throw new Error('wasmTapeBackend: the kernel set did not give float64 arrays');
  const buffer = k.memory.buffer;
  let top = 0;
  let high = 0;

  /** n elements of the arena, not cleared: for results that write every element. */
  function take(n: number): Float64Array {
    const at = top;
    const end = at + Math.ceil(n / ALIGN) * ALIGN;
    if (end > arenaElems) throw new ArenaFullError(arenaElems * F64, end * F64);
    top = end;
    if (top > high) high = top;
    return region.subarray(at, at + n) as Float64Array;
  }
  const zeros = (n: number): Float64Array => take(n).fill(0);
  const inMemory = (a: Float64Array): Float64Array => (a.buffer === buffer ? a : copy(a));
  function copy(a: Float64Array): Float64Array {
    const out = take(a.length);
    out.set(a);
    return out;
  }

  /** A product on the SIMD kernels, its operands moved into this memory first when they are not. */
  function gemm(f: FastKernels['gemmNN']) {
    return (A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc = false): void => {
      if (M === 0 || N === 0) return;
      if (K === 0) {
        if (!acc) C.fill(0, 0, M * N);
        return;
      }
      const a = inMemory(A),
        b = inMemory(B);
      if (C.buffer === buffer) {
        f(a, b, C, M, K, N, acc);
        return;
      }
      const c = take(M * N);
      if (acc) c.set(C.subarray(0, M * N));
      f(a, b, c, M, K, N, acc);
      C.set(c);
    };
  }
  const size = array.size;
  const inMem = (a: Float64Array) => a.buffer === buffer;
  /** The code of a unary op with a SIMD kernel, or -1. NOTE: trusts the engine's op names (the tests hold each kernel to the op's own f). */
  const unaryCode = (op: string | undefined): number => (op !== undefined && Object.hasOwn(UNARY_CODES, op) ? UNARY_CODES[op as keyof typeof UNARY_CODES] : -1);
  const vectorOps = vectorOpsOn(k);
  /** The sizes before, along and after `axis` of shape s. */
  const around = (s: readonly number[], axis: number): [number, number, number] => [size(s.slice(0, axis)), s[axis], size(s.slice(axis + 1))];

  const backend: WasmTapeBackend = {
    ...tsKernels, // sum (it returns a number)
    name: `wasm f64${k.threads > 1 ? ` ×${k.threads}` : ''}`,
    kernels: k,
    arenaBytes: arenaElems * F64,
    zeros,
    copy,
    matmulNN: gemm(k.gemmNN),
    matmulNT: gemm(k.gemmNT),
    matmulTN: gemm(k.gemmTN),
    binary(op, a, as, b, bs, os) {
      const n = size(os);
      const out = take(n);
      if (n > 0 && a.length === n && inMem(a) && inMem(b) && (b.length === n || array.isTrailing(bs, os))) {
        k.binaryRows(out, a, b, n, b.length, BINARY_CODES[op]);
        return out;
      }
      return array.binary(op, a, as, b, bs, os, out);
    },
    map(a, f, op) {
      const code = unaryCode(op);
      if (code < 0 || !inMem(a)) return array.map(a, f, take(a.length));
      const out = take(a.length);
      k.mapUnary(out, a, a.length, code);
      return out;
    },
    chain(dy, x, y, f, op) {
      const code = unaryCode(op);
      if (code < 0 || !inMem(dy) || !inMem(y)) return array.chain(dy, x, y, f, take(dy.length));
      const out = take(dy.length);
      k.chainUnary(out, dy, y, dy.length, code);
      return out;
    },
    add(a, b) {
      const out = take(a.length);
      if (a.length > 0 && inMem(a) && inMem(b)) k.binaryRows(out, a, b, a.length, a.length, BINARY_CODES.add);
      else array.add(a, b, out);
      return out;
    },
    addInto(a, b) {
      if (a.length > 0 && inMem(a) && inMem(b)) k.binaryRows(a, a, b, a.length, a.length, BINARY_CODES.add);
      else array.addInto(a, b);
    },
    scale: (a, s) => array.scale(a, s, take(a.length)),
    sumTo(g, from, to) {
      const out = zeros(size(to));
      // a bias's gradient: the rows of g summed, row after row like the readable loop
      if (out.length > 0 && inMem(g) && array.isTrailing(to, from)) k.addColumnSums(out, g, g.length / out.length, out.length);
      else array.sumTo(g, from, to, out);
      return out;
    },
    scatterAddRows(dst, cols, idx, g) {
      if (idx.length === 0 || cols === 0 || !inMem(dst) || !inMem(g)) return array.scatterAddRows(dst, cols, idx, g);
      const at = take(Math.ceil(idx.length / 2)); // the row ids as int32, in the arena
      const ids = new Int32Array(buffer, at.byteOffset, idx.length);
      for (let r = 0; r < idx.length; r++) ids[r] = idx[r];
      k.scatterAddRows(dst, g, ids, idx.length, cols);
    },
    sumAxis: (a, s, axis) => array.sumAxis(a, s, axis, zeros(size(s.slice(0, axis)) * size(s.slice(axis + 1)))),
    expandAxis: (g, s, axis) => array.expandAxis(g, s, axis, take(size(s))),
    transpose: (a, rows, cols) => array.transpose(a, rows, cols, take(rows * cols)),
    // slices, their gradients and concatenations: blocks of rows moved by copyRows (the gates of a step's (B, G·H) block)
    sliceAxis(a, s, axis, start, end) {
      const [outer, n, inner] = around(s, axis);
      const w = (end - start) * inner;
      const out = take(outer * w);
      if (out.length > 0 && inMem(a)) k.copyRows(out, w, a.subarray(start * inner), n * inner, outer, w);
      else array.sliceAxis(a, s, axis, start, end, out);
      return out;
    },
    padAxis(g, s, axis, start, end) {
      const [outer, n, inner] = around(s, axis);
      const w = (end - start) * inner;
      const out = zeros(size(s));
      if (g.length > 0 && inMem(g)) k.copyRows(out.subarray(start * inner), n * inner, g, w, outer, w);
      else array.padAxis(g, s, axis, start, end, out);
      return out;
    },
    concatAxis(parts, shapes, axis) {
      const out = take(parts.reduce((t, p) => t + p.length, 0));
      if (out.length === 0 || !parts.every(inMem)) return array.concatAxis(parts, shapes, axis, out);
      const [outer, , inner] = around(shapes[0], axis);
      const row = out.length / outer; // the output's stride along the outer axes
      let offset = 0;
      for (let p = 0; p < parts.length; p++) {
        const w = shapes[p][axis] * inner;
        if (w > 0) k.copyRows(out.subarray(offset), row, parts[p], w, outer, w);
        offset += w;
      }
      return out;
    },
    gatherRows: (table, cols, idx) => array.gatherRows(table, cols, idx, take(idx.length * cols)),
    softmaxCrossEntropy: (logits, N, C, targets) => array.softmaxCrossEntropy(logits, N, C, targets, take(N * C)),

    reset() {
      top = 0;
    },
    place(t: Tensor): Tensor {
      const d = k.alloc(t.size) as Float64Array;
      d.set(t.data);
      return Tensor.on(backend, d, t.shape);
    },
    vectorOps,
    lasting: { ops: vectorOps, alloc: (n) => k.alloc(n) as Float64Array },
    highWater: () => high * F64,
    dispose: () => k.dispose(),
  };
  return backend;
}

/** `k`'s optimizer and clipping kernels where every array given is in its memory, the float64 loops (the same formulas) otherwise. */
function vectorOpsOn(k: WasmKernels): VectorOps {
  const buffer = k.memory.buffer;
  const on = (...as: FloatArray[]): VectorOps => (as.every((a) => a.buffer === buffer) ? k : float64Ops);
  return {
    adagrad: (w, g, mem, n, lr, eps) => on(w, g, mem).adagrad(w, g, mem, n, lr, eps),
    rmsprop: (w, g, sq, n, lr, alpha, eps) => on(w, g, sq).rmsprop(w, g, sq, n, lr, alpha, eps),
    adam: (w, g, m, v, n, stepSize, root2, beta1, beta2, eps) => on(w, g, m, v).adam(w, g, m, v, n, stepSize, root2, beta1, beta2, eps),
    clip: (g, n, c) => on(g).clip(g, n, c),
    scale: (g, n, s) => on(g).scale(g, n, s),
    sumSquares: (g, n) => on(g).sumSquares(g, n),
  };
}
