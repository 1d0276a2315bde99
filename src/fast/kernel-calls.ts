// Which kernels a recorded program may call, by name, and the interface of what records and runs
// programs: the calls of one group of streams' passes (GROUP_METHODS, passes.ts) and of the
// elementwise pieces after them (PIECE_METHODS, model.ts and update.ts), the order a program
// numbers them in (PROGRAM_METHODS: the WebAssembly exports the worker calls, wasm.ts), the views
// of a kernel set those callers get (GroupKernels, PieceKernels), and ProgramRunner, the part of a
// two-thread kernel set that records and shares programs (implemented in programs.ts).
//
// NOTE: FastKernels (kernels.ts) holds a ProgramRunner, and a ProgramRunner hands out views of
// FastKernels: the two files name each other's types, but only as types (nothing at run time).

import type { FastKernels } from './kernels.ts';

/** The kernels one group of streams' passes call (passes.ts), in the order a program numbers them. */
export const GROUP_METHODS = [
  'gemmNN',
  'gemmNT',
  'gemmTN',
  'gatherRows',
  'scatterAddRows',
  'fillRows',
  'addColumnSums',
  'mul',
  'rnnForward',
  'rnnBackward',
  'lstmForward',
  'lstmBackward',
  'gruForward',
  'gruBackward',
  'softmaxCrossEntropy',
] as const satisfies readonly (keyof FastKernels)[];
export type GroupKernels = Pick<FastKernels, (typeof GROUP_METHODS)[number]>;
/** The elementwise kernels the rest of a training step calls on pieces of the parameters (model.ts, update.ts). */
export const PIECE_METHODS = ['binaryRows', 'sumSquares', 'clip', 'scale', 'adagrad', 'rmsprop', 'adam'] as const satisfies readonly (keyof FastKernels)[];
export type PieceKernels = Pick<FastKernels, (typeof PIECE_METHODS)[number]>;
/** Every kernel a program may call, in the order a program numbers them (the group methods first). */
export const PROGRAM_METHODS = [...GROUP_METHODS, ...PIECE_METHODS] as const;

/** A recorded sequence of kernel calls (programs.ts): where it lies in the program buffer. */
export interface Program {
  readonly start: number;
  readonly end: number;
}

/**
 * Runs groups of streams on both threads at once: each group's passes are recorded once as a program
 * of kernel calls, and every step the threads take the programs in turn (one thread takes them all
 * when the other is late), each program run whole by one thread, so the bits do not depend on who ran
 * what. Whether a step is split by streams at all, or runs its groups one after the other (sharing
 * the large products instead), is decided by timing both, shape by shape, like the products' split.
 */
export interface ProgramRunner {
  /**
   * Records the kernel calls `body` makes, without running them. Every recorded call returns a
   * handle on its result (for `result`), and `body` returns the handle it wants. null when the
   * program buffer is full (the groups then run one after the other).
   */
  compile(body: (k: GroupKernels) => number): { program: Program; handle: number } | null;
  /** Runs the programs, sharing them between the threads; returns when every one has run. */
  run(programs: readonly Program[]): void;
  /** What the call of `handle` returned the last time its program ran. */
  result(handle: number): number;
  /**
   * Runs the kernel calls of `bodies`, each recorded as a program (into a part of the buffer that the
   * next call reuses): shared between the threads where timing says that is faster for `key` (like a
   * product, threads.ts), else all on this thread. Returns, body by body, the results of the calls
   * whose handles it returned; null when the calls do not fit (the caller then makes them itself).
   */
  share(key: string, bodies: readonly ((k: PieceKernels) => number[])[]): number[][] | null;
  /** Whether the next step of shape `key` should be split by streams (measured, see threads.ts). */
  wanted(key: string): boolean;
  /** Records how long that step took (ms), split by streams or not. */
  timed(key: string, split: boolean, ms: number): void;
}
