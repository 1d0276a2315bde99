// The kernel sets the fast-path tests run against: the reference TypeScript kernels in both dtypes,
// and the WebAssembly kernels (1 and 2 threads, both dtypes) when they are built. Set
// RNN_REQUIRE_WASM=1 (CI does) to fail instead of testing the TypeScript sets alone.
import { type DType, type FastKernels, referenceKernels } from '../../src/fast/kernels.ts';
import { wasmAvailable, wasmKernels } from '../../src/fast/wasm.ts';

export interface KernelSet {
  label: string;
  /** A fresh kernel set with at least `bytes` of memory for arrays. */
  make(bytes: number): FastKernels;
}

const wasm = wasmAvailable();
if (!wasm.ok && process.env.RNN_REQUIRE_WASM) throw new Error(`RNN_REQUIRE_WASM is set but the WebAssembly kernels are not available: ${wasm.reason}`);

export function kernelSets(opts: { threads?: boolean } = {}): KernelSet[] {
  const sets: KernelSet[] = [
    { label: 'ts f64', make: () => referenceKernels('f64') },
    { label: 'ts f32', make: () => referenceKernels('f32') },
  ];
  if (wasm.ok) {
    for (const dtype of ['f32', 'f64'] as DType[]) {
      sets.push({ label: `wasm ${dtype}`, make: (bytes) => wasmKernels({ dtype, threads: 1, bytes }) });
      if (opts.threads !== false && wasm.threads) sets.push({ label: `wasm ${dtype} ×2`, make: (bytes) => wasmKernels({ dtype, threads: 2, bytes }) });
    }
  }
  return sets;
}

export const wasmSupport = wasm;
