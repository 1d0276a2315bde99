// Programs of kernel calls: one group of streams' passes (passes.ts) recorded once as the list of
// WebAssembly calls they make, with every array already turned into its byte offset, so that either
// thread can run them with no TypeScript of the model's: the worker (gemm-worker.js, plain
// JavaScript) runs them with the same loop as `runProgram` below.
//
// A program lives in a shared buffer of float64 numbers, CALL numbers per call:
//   [op, result, a0, a1, …, a9]
// op numbers GROUP_METHODS (kernels.ts), result receives what the call returns each time the program
// runs, and the arguments are the call's numbers (arrays as byte offsets, booleans as 0/1, null as 0;
// unused ones 0). A program's arrays are allocated once for the run, so a program recorded at the
// first step stays valid for every later one.

import type { FloatArray, GroupKernels, Program, ProgramRunner } from './kernels.ts';
import { GROUP_METHODS } from './kernels.ts';
import type { GemmPool } from './threads.ts';

/** Numbers per call: op, result, 10 arguments (the most any kernel takes). */
export const CALL = 12;
/** Bytes of the program buffer: 21,845 calls, a step of T·L up to about 2,000 for both groups of streams. */
export const PROGRAM_BYTES = 1 << 21;

type Fn = (...args: number[]) => number;

/** Runs the calls start … end − 1 of a program, keeping each call's result in its second slot. */
function runProgram(fns: readonly Fn[], P: Float64Array, start: number, end: number): void {
  for (let i = start; i < end; i += CALL) {
    P[i + 1] = fns[P[i]](P[i + 2], P[i + 3], P[i + 4], P[i + 5], P[i + 6], P[i + 7], P[i + 8], P[i + 9], P[i + 10], P[i + 11]);
  }
}

export interface ProgramOptions {
  /** The buffer the worker got (PROGRAM_BYTES long). */
  buffer: SharedArrayBuffer;
  /** This thread's exports in GROUP_METHODS order (the whole products, never split). */
  fns: readonly Fn[];
  /** A call's argument as a number (an array must be in the kernel set's memory). */
  toNumber(v: unknown, method: string): number;
  /** Throws if a product's arrays are shorter than its sizes say (it would write past them). */
  checkGemm(method: string, A: FloatArray, B: FloatArray, C: FloatArray, M: number, K: number, N: number): void;
  pool: GemmPool;
  /** 'auto': split a step by streams when timing says it is faster; 'always' or 'never' (for tests). */
  split: 'auto' | 'always' | 'never';
  /** Counts the steps run split by streams. */
  onSplit(): void;
}

export function programRunner(o: ProgramOptions): ProgramRunner {
  const P = new Float64Array(o.buffer);
  let used = 0; // numbers of P in use
  const { pool } = o;
  return {
    compile(body) {
      const start = used;
      let full = false;
      const recorder = Object.fromEntries(
        GROUP_METHODS.map((name, op) => [
          name,
          (...args: unknown[]): number => {
            if (name === 'gemmNN' || name === 'gemmNT' || name === 'gemmTN')
              o.checkGemm(name, ...(args.slice(0, 6) as [FloatArray, FloatArray, FloatArray, number, number, number]));
            if (args.length > CALL - 2) throw new Error(`programs: ${name} takes ${args.length} arguments, a call holds ${CALL - 2}`);
            if (used + CALL > P.length) {
              full = true;
              return NaN;
            }
            const i = used;
            P[i] = op;
            P[i + 1] = NaN;
            for (let j = 0; j < CALL - 2; j++) P[i + 2 + j] = j < args.length ? o.toNumber(args[j], name) : 0;
            used += CALL;
            return i + 1;
          },
        ]),
      ) as unknown as GroupKernels;
      const handle = body(recorder);
      if (full) {
        used = start;
        return null;
      }
      return { program: { start, end: used }, handle };
    },
    run(programs: readonly Program[]) {
      o.onSplit();
      pool.runPrograms(programs, (i) => runProgram(o.fns, P, programs[i].start, programs[i].end));
    },
    result: (handle) => P[handle],
    wanted: (key) => (o.split === 'never' ? false : pool.wanted(key, o.split === 'auto', 'streams')),
    timed: (key, split, ms) => pool.record(key, split, ms, 'streams'),
  };
}
