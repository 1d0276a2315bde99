// The WebAssembly SIMD kernel set: FastKernels backed by the modules that scripts/build-kernels.mjs
// compiles from kernels/assembly (AssemblyScript), in four variants: plain or relaxed SIMD (fused
// multiply-add; Node 20 needs a V8 flag, Safari lacks it), one thread or shared memory.
//
// Calling convention (kernels/assembly/index.ts): every array lives in the set's own memory and is
// passed as its byte offset; a method `m` calls the export `m_f32` or `m_f64` with the same
// arguments in the same order (booleans as 0/1, null arrays as 0). The memory is sized once, at
// creation, and a bump allocator hands out 16-byte-aligned, zeroed arrays that are never freed.
//
// Layout of the memory:  [static data | control block | packing scratch per thread | arrays ...]
//
// With threads = 2 a worker shares the memory and computes column blocks of each large matrix
// product (≥ 1 MFLOP; threads.ts), with the same bits as one thread, or runs one group of a step's
// streams while this thread runs the other (`programs`, programs.ts). Threads need SharedArrayBuffer:
// in a browser, a cross-origin-isolated page (COOP/COEP headers), else the set falls back to one
// thread. On a machine busier than its cores the worker gets little time and a second thread
// gains nothing (the set then mostly computes alone; see GemmPool.wanted).

import { PROGRAM_METHODS, type ProgramRunner } from './kernel-calls.ts';
import type { DType, FastKernels, FloatArray } from './kernels.ts';
import { PROGRAM_BYTES, programRunner } from './programs.ts';
import { CTRL_BYTES, GemmPool, type JobTimes, type Layout } from './threads.ts';

export type Variant = 'plain' | 'relaxed' | 'plainShared' | 'relaxedShared';
type Exports = Record<string, (...args: number[]) => number>;

export interface WasmSupport {
  /** The kernels are built and this runtime can run the plain variant. */
  ok: boolean;
  /** Why not, when !ok. */
  reason?: string;
  /** The relaxed-SIMD (fused multiply-add) variant runs here. */
  relaxed: boolean;
  /** The shared-memory variant and a worker can run here (threads = 2 possible). */
  threads: boolean;
}

export interface WasmKernelOptions {
  dtype: DType;
  /** 2: split large matrix products with a worker thread (falls back to 1 where threads cannot run). */
  threads?: 1 | 2;
  /** Bytes reserved for the arrays handed out by alloc/allocInt. */
  bytes: number;
  /** Use the relaxed-SIMD build if this runtime supports it (default true). */
  relaxed?: boolean;
  /** false: share every large product with the worker, even when it keeps coming late (for tests; default true). */
  adaptiveThreads?: boolean;
  /**
   * With two threads, whether a training step's groups of streams run one on each thread: 'auto'
   * (default) when timing says it is faster than sharing the products; 'always' or 'never' for tests.
   */
  streams?: 'auto' | 'always' | 'never';
}

/** The FastKernels of a WebAssembly instance, with a little more for tests and benchmarks. */
export interface WasmKernels extends FastKernels {
  readonly name: 'wasm';
  readonly memory: WebAssembly.Memory;
  /** The build in use. */
  readonly variant: Variant;
  /** Resolves true once the worker takes work (false at once with one thread); until then every product runs on this thread. */
  whenThreadsReady(timeoutMs?: number): Promise<boolean>;
  /** Products split between the threads so far, steps split by streams, and how many column blocks and programs the worker computed. */
  threadStats(): { splits: number; streamSplits: number; workerBlocks: number };
  /** Calls `f` with the times of every job shared with the worker from now on (null stops; for bench/phases.ts). */
  traceJobs(f: ((t: JobTimes) => void) | null): void;
}

// ---- the runtime: Node built-ins without importing node:* where there is no Node ---------------

type NodeBuiltins = { v8: typeof import('node:v8'); wt: typeof import('node:worker_threads') };
const nodeProcess = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
const isNode = typeof nodeProcess?.versions?.node === 'string';

async function loadNodeBuiltins(): Promise<NodeBuiltins | null> {
  if (!isNode) return null;
  const get = nodeProcess?.getBuiltinModule;
  if (typeof get === 'function') return { v8: get('node:v8') as NodeBuiltins['v8'], wt: get('node:worker_threads') as NodeBuiltins['wt'] };
  const [v8, wt] = await Promise.all([import('node:v8'), import('node:worker_threads')]);
  return { v8, wt };
}
const node = await loadNodeBuiltins();

// NOTE: the built modules are imported dynamically so that a missing build (no `npm install` yet)
// makes wasmAvailable() say so instead of breaking every import of the library.
let built: Record<Variant, string | null> | null = null;
let buildError = '';
try {
  built = (await import('../../kernels/build/kernels.js')).kernels;
} catch (e) {
  buildError = e instanceof Error ? e.message.split('\n')[0] : String(e);
}

const modules = new Map<Variant, WebAssembly.Module | null>(); // compiled once per process
let relaxedFlagSet = false;

function bytesOf(v: Variant): Uint8Array<ArrayBuffer> | null {
  const b64 = built?.[v];
  if (!b64) return null;
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The compiled module of a variant, or null if it is not built or does not validate here. */
function moduleOf(v: Variant): WebAssembly.Module | null {
  if (modules.has(v)) return modules.get(v)!;
  if ((v === 'relaxed' || v === 'relaxedShared') && !relaxedFlagSet) {
    // Node 20 ships relaxed SIMD behind a flag; it must be set before the module is compiled.
    relaxedFlagSet = true;
    try {
      node?.v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      /* not Node, or flags are locked: validate() below decides */
    }
  }
  const bytes = bytesOf(v);
  const m = bytes && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  modules.set(v, m);
  return m;
}

function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  if (isNode) return node !== null;
  // A browser shares memory with a worker only on a cross-origin-isolated page.
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return typeof g.Worker === 'function' && g.crossOriginIsolated !== false;
}

/** Whether the built kernels exist and which of their variants this runtime runs. */
export function wasmAvailable(): WasmSupport {
  if (typeof WebAssembly === 'undefined') return { ok: false, reason: 'this runtime has no WebAssembly', relaxed: false, threads: false };
  if (!built) return { ok: false, reason: `the kernels are not built (kernels/build/kernels.js: ${buildError})`, relaxed: false, threads: false };
  if (!moduleOf('plain')) return { ok: false, reason: 'this runtime does not support WebAssembly SIMD', relaxed: false, threads: false };
  const relaxed = moduleOf('relaxed') !== null;
  const threads = sharedMemoryUsable() && moduleOf(relaxed ? 'relaxedShared' : 'plainShared') !== null;
  return { ok: true, relaxed, threads };
}

// ---- one instance ------------------------------------------------------------------------------

const PAGE = 65536;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

function abort(): never {
  throw new Error('a WebAssembly kernel aborted');
}

/** A kernel set with its own memory: `bytes` for arrays, plus static data, control block and scratch. */
export function wasmKernels(opts: WasmKernelOptions): WasmKernels {
  const { dtype } = opts;
  if (dtype !== 'f32' && dtype !== 'f64') throw new Error(`wasmKernels: dtype must be f32 or f64, got ${String(dtype)}`);
  if (!Number.isFinite(opts.bytes) || opts.bytes < 0) throw new Error(`wasmKernels: bytes must be a non-negative number, got ${opts.bytes}`);
  const support = wasmAvailable();
  if (!support.ok) throw new Error(`wasmKernels: the WebAssembly kernels are not available: ${support.reason}`);
  const relaxed = (opts.relaxed ?? true) && support.relaxed;
  const single: Variant = relaxed ? 'relaxed' : 'plain';
  const shared: Variant = relaxed ? 'relaxedShared' : 'plainShared';
  const threads = opts.threads === 2 && support.threads && moduleOf(shared) !== null ? 2 : 1;
  const variant = threads === 2 ? shared : single;
  const module = moduleOf(variant)!;

  // Static data and scratch sizes, read from a throwaway instance of the single-thread build.
  const probe = new WebAssembly.Instance(moduleOf(single)!, { env: { memory: new WebAssembly.Memory({ initial: 16 }), abort } });
  const probeExports = probe.exports as unknown as Exports;
  const heapBase = probeExports.heapBase() >>> 0;
  const scratchBytes = align16(probeExports.gemmScratchBytes());
  const colAlign = probeExports.gemmColAlign();

  const ctrl = align16(Math.max(heapBase, 16));
  const scratch0 = ctrl + CTRL_BYTES;
  const heapStart = scratch0 + threads * scratchBytes;
  const heapEnd = heapStart + align16(opts.bytes);
  const pages = Math.ceil(heapEnd / PAGE);
  if (pages > 65536) throw new Error(`wasmKernels: ${opts.bytes} bytes do not fit in a 4 GiB WebAssembly memory`);
  const memory = new WebAssembly.Memory(threads === 2 ? { initial: pages, maximum: pages, shared: true } : { initial: pages });
  const instance = new WebAssembly.Instance(module, { env: { memory, abort } });
  const x = instance.exports as unknown as Exports;
  x.gemmSetScratch(scratch0);
  const buffer = memory.buffer; // never grown, so this stays the memory's buffer

  const programBuffer = threads === 2 ? new SharedArrayBuffer(PROGRAM_BYTES) : null;
  const pool = programBuffer
    ? new GemmPool({
        module,
        memory,
        ctrl,
        scratch: scratch0 + scratchBytes,
        node: node?.wt ?? null,
        programs: { buffer: programBuffer, exports: PROGRAM_METHODS.map((m) => `${m}_${dtype}`) },
      })
    : null;

  // ---- allocator ----
  let next = heapStart;
  function take(n: number, size: number, what: string): number {
    if (!Number.isInteger(n) || n < 0) throw new Error(`wasmKernels: ${what}(${n}): the length must be a non-negative integer`);
    const need = n * size;
    if (next + need > heapEnd) {
      throw new Error(
        `wasmKernels: out of memory: ${what}(${n}) needs ${need} bytes but only ${heapEnd - next} of the ${opts.bytes} reserved are left (create the set with more bytes)`,
      );
    }
    const at = next;
    next = align16(next + need);
    return at;
  }
  const F = dtype === 'f32' ? Float32Array : Float64Array;

  // ---- arguments: arrays → byte offsets ----
  function ptr(a: FloatArray | Int32Array | null, method: string): number {
    if (a === null) return 0;
    if (a.buffer !== buffer)
      throw new Error(`wasm kernels: ${method} was given an array that is not in this kernel set's memory (allocate it with the set's alloc/allocInt)`);
    if (!(a instanceof F) && !(a instanceof Int32Array)) throw new Error(`wasm kernels: ${method} was given a ${a.constructor.name} in a ${dtype} kernel set`);
    return a.byteOffset;
  }
  function arg(v: unknown, method: string): number {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v === null || v === undefined) return 0;
    return ptr(v as FloatArray, method);
  }
  function method(name: string): (...args: unknown[]) => number {
    const f = x[`${name}_${dtype}`];
    if (typeof f !== 'function') {
      return () => {
        throw new Error(`wasm kernels: ${name}_${dtype} is not in the built module (rebuild with npm run build:kernels)`);
      };
    }
    return (...args: unknown[]) => f(...args.map((v) => arg(v, name)));
  }

  // ---- matrix products: split along N between the threads when worth it ----
  const SPLIT_FLOPS = 1e6; // below about 1 MFLOP the hand-off costs more than it saves
  const adaptive = opts.adaptiveThreads ?? true;
  const MAX_BLOCKS = 4; // column blocks per product: enough to rebalance when the worker is late
  let splits = 0,
    streamSplits = 0;
  // NOTE: a product past the end of an array would overwrite its neighbours in this memory
  function checkGemm(m: string, A: FloatArray, B: FloatArray, C: FloatArray, M: number, K: number, N: number): void {
    if (!(A.length >= M * K && B.length >= K * N && C.length >= M * N && M >= 0 && K >= 0 && N >= 0)) {
      throw new Error(
        `wasm kernels: ${m}(M ${M}, K ${K}, N ${N}) needs arrays of ${M * K}, ${K * N} and ${M * N} elements, got ${A.length}, ${B.length} and ${C.length}`,
      );
    }
  }
  function gemm(layout: Layout) {
    const whole = x[`gemm${layout}_${dtype}`];
    const cols = x[`gemm${layout}_cols_${dtype}`];
    return (A: FloatArray, B: FloatArray, C: FloatArray, M: number, K: number, N: number, acc: boolean) => {
      const m = `gemm${layout}`;
      const a = ptr(A, m),
        b = ptr(B, m),
        c = ptr(C, m),
        f = acc ? 1 : 0;
      checkGemm(m, A, B, C, M, K, N);
      if (!pool || 2 * M * K * N < SPLIT_FLOPS || N < 2 * colAlign) {
        whole(a, b, c, M, K, N, f);
        return;
      }
      const key = `${layout}${M},${K},${N}`;
      const split = pool.wanted(key, adaptive);
      const t0 = performance.now();
      if (split) {
        // NOTE: blocks start at multiples of colAlign, where the kernels give every column the same
        // arithmetic whichever thread computes it: results do not depend on the thread count.
        // Each block packs all of op(A) again: blocks of at least 64 columns keep that small.
        const count = Math.max(2, Math.min(MAX_BLOCKS, Math.floor(N / 64)));
        const width = Math.ceil(N / count / colAlign) * colAlign;
        splits++;
        pool.run(layout, dtype, [a, b, c, M, K, N, f], width, Math.ceil(N / width), cols);
      } else {
        whole(a, b, c, M, K, N, f);
      }
      pool.record(key, split, performance.now() - t0);
    };
  }

  const programs: ProgramRunner | null =
    pool && programBuffer
      ? programRunner({
          buffer: programBuffer,
          fns: PROGRAM_METHODS.map((m) => x[`${m}_${dtype}`]),
          toNumber: arg,
          checkGemm,
          pool,
          split: opts.streams ?? 'auto',
          adaptive,
          onSplit: () => streamSplits++,
        })
      : null;

  const set: Record<string, unknown> = {
    name: 'wasm',
    dtype,
    threads,
    programs,
    memory,
    variant,
    alloc: (n: number) => new F(buffer, take(n, F.BYTES_PER_ELEMENT, 'alloc'), n),
    allocInt: (n: number) => new Int32Array(buffer, take(n, 4, 'allocInt'), n),
    dispose: () => pool?.dispose(),
    whenThreadsReady: (timeoutMs = 10_000) => (pool ? pool.whenReady(timeoutMs) : Promise.resolve(false)),
    threadStats: () => ({ splits, streamSplits, workerBlocks: pool?.workerBlocks() ?? 0 }),
    traceJobs: (f: ((t: JobTimes) => void) | null) => {
      if (pool) pool.onJob = f;
    },
    gemmNN: gemm('NN'),
    gemmNT: gemm('NT'),
    gemmTN: gemm('TN'),
  };
  for (const name of KERNEL_METHODS) set[name] = method(name);
  return set as unknown as WasmKernels;
}

/** FastKernels' methods other than the matrix products, each an export `name_f32` / `name_f64` (a record, so that a method added to FastKernels and missing here is a type error). */
type PlainMethod = Exclude<keyof FastKernels, 'name' | 'dtype' | 'threads' | 'programs' | 'alloc' | 'allocInt' | 'dispose' | 'gemmNN' | 'gemmNT' | 'gemmTN'>;
const METHODS: Record<PlainMethod, true> = {
  gatherRows: true,
  scatterAddRows: true,
  fillRows: true,
  addColumnSums: true,
  mul: true,
  rnnForward: true,
  rnnBackward: true,
  lstmForward: true,
  lstmBackward: true,
  gruForward: true,
  gruBackward: true,
  softmaxCrossEntropy: true,
  mapUnary: true,
  chainUnary: true,
  binaryRows: true,
  copyRows: true,
  adagrad: true,
  rmsprop: true,
  adam: true,
  clip: true,
  scale: true,
  sumSquares: true,
};
/** FastKernels' methods other than the matrix products: kernels/assembly/fused.ts exports each as `name_f32` and `name_f64`. */
export const KERNEL_METHODS = Object.keys(METHODS) as PlainMethod[];
