// Test-only: compiles one AssemblyScript entry with the kernel build's flags (plain SIMD, one
// thread) and instantiates it on a plain WebAssembly.Memory, with a bump allocator for arrays, so
// the fused-kernel tests stand on their own, without the runtime's loader (src/fast/wasm.ts).

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import type { DType, FastKernels } from '../../src/fast/kernels.ts';
import { KERNEL_METHODS } from '../../src/fast/wasm.ts';

export type Exports = Record<string, (...args: number[]) => number>;

/** Compiles `entry` (a path relative to the repository root) and returns the module's bytes. */
export async function compileAs(entry: string, extraFlags: string[] = []): Promise<Uint8Array<ArrayBuffer>> {
  const path = fileURLToPath(new URL(`../../${entry}`, import.meta.url));
  let binary: Uint8Array<ArrayBuffer> | null = null;
  const errors: string[] = [];
  const argv = [relative(process.cwd(), path), '-O3', '--runtime', 'stub', '--importMemory', '--enable', 'simd', ...extraFlags, '--outFile', 'out.wasm'];
  const result = await asc.main(argv, {
    stdout: asc.createMemoryStream(),
    stderr: asc.createMemoryStream((chunk) => errors.push(String(chunk))),
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = new Uint8Array(contents as Uint8Array);
    },
  });
  if (result.error || !binary) throw new Error(`asc ${entry}: ${result.error?.message ?? 'no output'}\n${errors.join('')}`);
  return binary;
}

/**
 * A bump allocator over a fixed memory: arrays start 16-byte aligned from `base` (above any static
 * data; the fused kernels have none) and are zeroed; `reset` frees everything at once.
 */
export class Heap {
  private next: number;
  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly base = 65536,
  ) {
    this.next = base;
  }
  private take(bytes: number): number {
    const at = this.next;
    this.next = (at + bytes + 15) & ~15;
    if (this.next > this.memory.buffer.byteLength) throw new Error(`test heap: out of memory (${this.next} bytes)`);
    new Uint8Array(this.memory.buffer, at, bytes).fill(0);
    return at;
  }
  f32(n: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.take(4 * n), n);
  }
  f64(n: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.take(8 * n), n);
  }
  int(n: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.take(4 * n), n);
  }
  reset(): void {
    this.next = this.base;
  }
}

/** Compiles and instantiates `entry` on a fresh non-shared memory of `pages` 64 KiB pages. */
export async function instantiateAs(entry: string, pages = 512): Promise<{ exports: Exports; heap: Heap }> {
  const bytes = await compileAs(entry);
  const memory = new WebAssembly.Memory({ initial: pages });
  const abort = () => {
    throw new Error(`${entry}: abort`);
  };
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), { env: { memory, abort } });
  return { exports: instance.exports as unknown as Exports, heap: new Heap(memory) };
}

// ---- the fused kernels as FastKernels methods (the calling convention of kernels/assembly) ----------

/** The FastKernels methods that kernels/assembly/fused.ts implements: all but the matrix products (wasm.ts's list). */
export const FUSED_METHODS = KERNEL_METHODS;
export type FusedMethod = (typeof FUSED_METHODS)[number];
export type FusedKernels = Pick<FastKernels, FusedMethod | 'dtype' | 'alloc' | 'allocInt'>;

/** Arrays become their byte offsets, null 0, booleans 0/1; numbers pass as they are. */
function toArg(a: unknown): number {
  if (a === null) return 0;
  if (typeof a === 'boolean') return a ? 1 : 0;
  if (ArrayBuffer.isView(a)) return a.byteOffset;
  return a as number;
}

/** The exports `<method>_<dtype>` of an instance of fused.ts, called like the FastKernels methods. */
export function fusedKernels(exports: Exports, heap: Heap, dtype: DType): FusedKernels {
  const set: Record<string, unknown> = {
    dtype,
    alloc: (n: number) => (dtype === 'f32' ? heap.f32(n) : heap.f64(n)),
    allocInt: (n: number) => heap.int(n),
  };
  for (const name of FUSED_METHODS) {
    const f = exports[`${name}_${dtype}`];
    if (!f) throw new Error(`fused.ts does not export ${name}_${dtype}`);
    set[name] = (...args: unknown[]) => f(...args.map(toArg));
  }
  return set as unknown as FusedKernels;
}
