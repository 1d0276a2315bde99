// Programs of kernel calls: one group of streams' passes (passes.ts) recorded once as the list of
// WebAssembly calls they make, with every array already turned into its byte offset, so that either
// thread can run them with no TypeScript of the model's: the worker (gemm-worker.js, plain
// JavaScript) runs them with the same loop as `runProgram` below. The elementwise work after the
// passes (adding the groups' gradients, clipping, the optimizer: model.ts, update.ts) goes the same
// way, in pieces of the parameters, recorded afresh each time into a scratch part of the buffer
// (its numbers, such as the learning rate, change from step to step).
//
// A program lives in a shared buffer of float64 numbers, CALL numbers per call:
//   [op, result, a0, a1, …, a9]
// op numbers PROGRAM_METHODS (kernel-calls.ts), result receives what the call returns each time the
// program runs, and the arguments are the call's numbers (arrays as byte offsets, booleans as 0/1,
// null as 0; unused ones 0). A program's arrays are allocated once for the run, so a program
// recorded at the first step stays valid for every later one.

import { type GroupKernels, type PieceKernels, PROGRAM_METHODS, type Program, type ProgramRunner } from './kernel-calls.ts';
import type { FloatArray } from './kernels.ts';
import type { GemmPool } from './threads.ts';

/** Numbers per call: op, result, 10 arguments (the most any kernel takes). */
export const CALL = 12;
/** Bytes of the recorded programs: 21,845 calls, a step of T·L up to about 2,000 for both groups of streams. */
const RECORDED_BYTES = 1 << 21;
/** Bytes of the scratch programs (`share`): 2,730 calls, pieces of up to about 40 million parameters. */
const SCRATCH_BYTES = 1 << 18;
/** Bytes of the program buffer. */
export const PROGRAM_BYTES = RECORDED_BYTES + SCRATCH_BYTES;

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
  /** This thread's exports in PROGRAM_METHODS order (the whole products, never split). */
  fns: readonly Fn[];
  /** A call's argument as a number (an array must be in the kernel set's memory). */
  toNumber(v: unknown, method: string): number;
  /** Throws if a product's arrays are shorter than its sizes say (it would write past them). */
  checkGemm(method: string, A: FloatArray, B: FloatArray, C: FloatArray, M: number, K: number, N: number): void;
  pool: GemmPool;
  /** 'auto': split a step by streams when timing says it is faster; 'always' or 'never' (for tests). */
  split: 'auto' | 'always' | 'never';
  /** false: share every `share` job with the worker, whatever the timings (for tests). */
  adaptive: boolean;
  /** Counts the steps run split by streams. */
  onSplit(): void;
}

export function programRunner(o: ProgramOptions): ProgramRunner {
  const P = new Float64Array(o.buffer);
  const scratchStart = RECORDED_BYTES / 8;
  let used = 0; // numbers of P in use by recorded programs
  const { pool } = o;

  /** A kernel set that records each call at P[at] on (at advancing) and returns its result's index, or NaN once `end` is reached. */
  function recorder(cursor: { at: number; end: number; full: boolean }) {
    return Object.fromEntries(
      PROGRAM_METHODS.map((name, op) => [
        name,
        (...args: unknown[]): number => {
          if (name === 'gemmNN' || name === 'gemmNT' || name === 'gemmTN')
            o.checkGemm(name, ...(args.slice(0, 6) as [FloatArray, FloatArray, FloatArray, number, number, number]));
          if (args.length > CALL - 2) throw new Error(`programs: ${name} takes ${args.length} arguments, a call holds ${CALL - 2}`);
          if (cursor.at + CALL > cursor.end) {
            cursor.full = true;
            return NaN;
          }
          const i = cursor.at;
          P[i] = op;
          P[i + 1] = NaN;
          for (let j = 0; j < CALL - 2; j++) P[i + 2 + j] = j < args.length ? o.toNumber(args[j], name) : 0;
          cursor.at += CALL;
          return i + 1;
        },
      ]),
    ) as unknown as GroupKernels & PieceKernels;
  }

  const scratch = { at: scratchStart, end: P.length, full: false };
  const scratchRecorder = recorder(scratch); // made once: `share` runs at every step

  return {
    compile(body) {
      const cursor = { at: used, end: scratchStart, full: false };
      const handle = body(recorder(cursor));
      if (cursor.full) return null;
      const program = { start: used, end: cursor.at };
      used = cursor.at;
      return { program, handle };
    },
    run(programs: readonly Program[]) {
      o.onSplit();
      pool.runPrograms(programs, (i) => runProgram(o.fns, P, programs[i].start, programs[i].end));
    },
    share(key, bodies) {
      scratch.at = scratchStart;
      scratch.full = false;
      const programs: Program[] = [];
      const handles = bodies.map((body) => {
        const start = scratch.at;
        const h = body(scratchRecorder);
        programs.push({ start, end: scratch.at });
        return h;
      });
      if (scratch.full) return null;
      const shared = pool.wanted(key, o.adaptive);
      const t0 = performance.now();
      if (shared) pool.runPrograms(programs, (i) => runProgram(o.fns, P, programs[i].start, programs[i].end));
      else for (const p of programs) runProgram(o.fns, P, p.start, p.end);
      pool.record(key, shared, performance.now() - t0);
      return handles.map((hs) => hs.map((h) => P[h]));
    },
    result: (handle) => P[handle],
    wanted: (key) => (o.split === 'never' ? false : pool.wanted(key, o.split === 'auto', 'streams')),
    timed: (key, split, ms) => pool.record(key, split, ms, 'streams'),
  };
}
