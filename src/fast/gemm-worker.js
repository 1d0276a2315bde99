// The worker thread of src/fast/threads.ts (plain JavaScript so that Node, Deno and browsers load
// it as it is). It instantiates the shared-memory kernel build on the main thread's memory and takes
// column blocks of the matrix products posted in the control block, or whole programs of kernel
// calls (src/fast/programs.ts: one group of streams through a training step), spinning for a while
// between jobs before it sleeps in Atomics.wait. The protocol and the slot numbers: see threads.ts;
// the program format: programs.ts, whose `runProgram` is the loop below.

const SEQ = 0,
  LEFT = 1,
  READY = 2,
  OP = 3,
  ARGS = 4,
  ERR = 13,
  WORKER_ASLEEP = 14,
  MAIN_ASLEEP = 15,
  COUNT = 12,
  JOIN = 16,
  WORKER_BLOCKS = 17,
  NEXT = 18;
const TIMES_AT = 128; // byte offset of the float64 timestamps of the last job: [joined, done]
const PROGRAMS = 6; // the job of running programs
const CALL = 12; // numbers per call in a program: op, result, 10 arguments
const SPIN_MS = 2; // spin this long for the next job before sleeping
const OPS = ['gemmNN_cols_f32', 'gemmNN_cols_f64', 'gemmNT_cols_f32', 'gemmNT_cols_f64', 'gemmTN_cols_f32', 'gemmTN_cols_f64'];

/** Runs the calls start … end − 1 of a program, keeping each call's result in its second slot. */
function runProgram(fns, P, start, end) {
  for (let i = start; i < end; i += CALL) {
    P[i + 1] = fns[P[i]](P[i + 2], P[i + 3], P[i + 4], P[i + 5], P[i + 6], P[i + 7], P[i + 8], P[i + 9], P[i + 10], P[i + 11]);
  }
}

function run({ module, memory, ctrl, scratch, programs }) {
  const abort = () => {
    throw new Error('a WebAssembly kernel aborted');
  };
  const x = new WebAssembly.Instance(module, { env: { memory, abort } }).exports;
  x.gemmSetScratch(scratch);
  const ops = OPS.map((name) => x[name]);
  const fns = programs.exports.map((name) => x[name]);
  const P = new Float64Array(programs.buffer);
  const c = new Int32Array(memory.buffer, ctrl, 32);
  const times = new Float64Array(memory.buffer, ctrl + TIMES_AT, 2);
  const now = () => performance.timeOrigin + performance.now();
  let last = Atomics.load(c, SEQ);
  Atomics.store(c, READY, 1);
  for (;;) {
    let seq = Atomics.load(c, SEQ);
    let t0 = performance.now();
    let n = 0;
    while (seq === last) {
      if ((++n & 1023) === 0 && performance.now() - t0 > SPIN_MS) {
        Atomics.store(c, WORKER_ASLEEP, 1);
        Atomics.wait(c, SEQ, last);
        Atomics.store(c, WORKER_ASLEEP, 0);
        t0 = performance.now(); // woken for a job, or to be ready for one: spin again
      }
      seq = Atomics.load(c, SEQ);
    }
    last = seq;
    const op = c[OP];
    if (op < 0) return;
    // join the job unless the main thread has already taken every block and closed it
    if (Atomics.compareExchange(c, JOIN, seq - 1, seq) !== seq - 1) continue;
    times[0] = now();
    const f = ops[op],
      width = c[ARGS + 7],
      count = c[COUNT],
      N = c[ARGS + 5];
    try {
      for (let b = Atomics.add(c, NEXT, 1); b < count; b = Atomics.add(c, NEXT, 1)) {
        if (op === PROGRAMS) runProgram(fns, P, c[ARGS + 2 * b], c[ARGS + 2 * b + 1]);
        else f(c[ARGS], c[ARGS + 1], c[ARGS + 2], c[ARGS + 3], c[ARGS + 4], N, c[ARGS + 6], b * width, Math.min(N, (b + 1) * width));
        Atomics.add(c, WORKER_BLOCKS, 1);
      }
    } catch {
      Atomics.store(c, ERR, 1);
    }
    times[1] = now();
    Atomics.store(c, LEFT, seq); // publishes the times above
    if (Atomics.load(c, MAIN_ASLEEP) === 1) Atomics.notify(c, LEFT);
  }
}

const nodeVersion = globalThis.process?.versions?.node;
if (nodeVersion) {
  const { workerData } = await import('node:worker_threads');
  run(workerData);
} else {
  self.onmessage = (e) => run(e.data);
}
