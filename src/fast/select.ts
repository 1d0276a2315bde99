// Choosing a kernel set at run time: `--kernels ts|wasm|auto` and `--dtype f32|f64`.
//   auto  → the WebAssembly kernels when they are built and this runtime can run them, else ts;
//   ts    → the reference TypeScript kernels (for float64 training, the trainer runs the readable
//           hand-derived models themselves, src/models/*.manual.ts);
//   wasm  → the WebAssembly SIMD kernels (an error if they are not available, saying why).

import { UserError } from '../errors.ts';
import { configOf, type Params } from '../models/charrnn.ts';
import { type DType, type FastKernels, KERNEL_NAMES, type KernelName, referenceKernels } from './kernels.ts';
import { fastStepper, fastStepperBytes, type Stepper } from './stepper.ts';
import { wasmAvailable, wasmKernels } from './wasm.ts';

export type KernelChoice = KernelName | 'auto';
export const KERNEL_CHOICES: readonly KernelChoice[] = ['auto', ...KERNEL_NAMES];
export const DTYPES: readonly DType[] = ['f32', 'f64'];

/**
 * Which kernel set `choice` means here. The environment variable RNN_KERNELS=ts|wasm (in Node or
 * Deno) decides what 'auto' means, so a whole test suite or command can be run on either set.
 */
export function resolveKernels(choice: KernelChoice): KernelName {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.RNN_KERNELS;
  if (choice === 'auto' && env !== undefined && env !== '') {
    if (env !== 'ts' && env !== 'wasm') throw new UserError(`RNN_KERNELS must be ts or wasm, got '${env}'`);
    choice = env;
  }
  if (choice === 'ts') return 'ts';
  const w = wasmAvailable();
  if (choice === 'wasm') {
    if (!w.ok)
      throw new UserError(
        `the WebAssembly kernels are not available: ${w.reason ?? 'unknown reason'} (build them with \`npm run build:kernels\`, or use --kernels ts)`,
      );
    return 'wasm';
  }
  if (choice !== 'auto') throw new UserError(`kernels must be one of ${KERNEL_CHOICES.join(', ')}, got '${String(choice)}'`);
  return w.ok ? 'wasm' : 'ts';
}

/** How many threads to use by default: 2 when the WebAssembly kernels can run threads and there are two cores. */
export function defaultThreads(): 1 | 2 {
  const w = wasmAvailable();
  // NOTE: Node 20 has no navigator; every machine Node runs on today has two cores or more.
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { versions?: { node?: string } } };
  const cores = g.navigator?.hardwareConcurrency ?? (g.process?.versions?.node ? 2 : 1);
  return w.ok && w.threads && cores >= 2 ? 2 : 1;
}

/** A kernel set of `name` with at least `bytes` of memory for arrays. */
export function makeKernels(name: KernelName, dtype: DType, threads: 1 | 2, bytes: number): FastKernels {
  if (name === 'ts') return referenceKernels(dtype);
  return wasmKernels({ dtype, threads, bytes });
}

/** What runs the steps: a label for messages ('wasm f32 ×2', 'ts f64'), and how to release it. */
export interface Engine {
  label: string;
  dispose(): void;
}

/**
 * A one-stream stepper for sampling on the chosen kernels, or no stepper (the readable float64
 * `stepper` of charrnn.ts) for ts with f64.
 */
export function samplingStepper(p: Params, choice: KernelChoice, dtype: DType): Engine & { stepper: Stepper | undefined } {
  const name = resolveKernels(choice);
  if (name === 'ts' && dtype === 'f64') return { label: 'ts f64', stepper: undefined, dispose() {} };
  const k = makeKernels(name, dtype, 1, fastStepperBytes(configOf(p), dtype));
  return { label: `${name} ${dtype}`, stepper: fastStepper(k, p), dispose: () => k.dispose() };
}
