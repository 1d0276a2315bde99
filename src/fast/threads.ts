// A second thread for the WebAssembly kernels: a worker (gemm-worker.js) instantiates the
// shared-memory build on the same memory and computes blocks of output columns beside this thread,
// or runs whole programs of kernel calls (one group of streams through a training step, programs.ts).
//
// Hand-off through a control block of int32 in the shared memory, not through messages:
// postMessage costs 60–100 µs and Atomics.wait/notify alone 50–75 µs per hand-off, against
// 0.3–0.5 µs for a thread spinning on Atomics.load. So each side spins for a bounded time, then
// sleeps in Atomics.wait, and is woken by notify only when it said it was asleep.
//
// A product is cut into a few column blocks that both threads take one at a time (Atomics.add on
// a counter): when the worker is slow to come (asleep, or not scheduled on a busy machine) this
// thread simply takes more blocks, and once it has taken them all it shuts the worker out of the
// job with compare-and-swap, rather than waiting for it. Each block is computed by the same code
// whoever takes it, so the result does not depend on who did what.
//
// Whether to share a product at all, and whether to split a step by streams, is decided shape by
// shape from timings (SplitChooser, one for products and one for steps).

export type Layout = 'NN' | 'NT' | 'TN';
/** The control block: 32 int32 slots, then the worker's timestamps of the last job (float64, see JobTimes). */
export const CTRL_BYTES = 192;
const TIMES_AT = 128; // byte offset of the float64 timestamps: [joined, done]

// slots of the control block (the worker script uses the same numbers)
const SEQ = 0; // job number, bumped by this thread to post a job
const LEFT = 1; // the last job number the worker joined and has left
const READY = 2; // 1 once the worker waits for jobs
const OP = 3; // which job: a product, 2·layout + (f64 ? 1 : 0); PROGRAMS; −1 stops the worker
const ARGS = 4; // a product's A, B, C, M, K, N, acc, block width; programs: start and end of each (up to 4)
const COUNT = 12; // how many blocks (products) or programs the job has
const ERR = 13; // 1 if the worker's product threw
const WORKER_ASLEEP = 14;
const MAIN_ASLEEP = 15;
const JOIN = 16; // the last job number closed to newcomers: by the worker joining it, or by this thread
const WORKER_BLOCKS = 17; // how many blocks the worker has computed
const NEXT = 18; // the next block of the current job to take

const LAYOUTS: Layout[] = ['NN', 'NT', 'TN'];
/**
 * When the last job's parts happened, in ms since the epoch (performance.timeOrigin + now() on
 * each thread, so the two threads' clocks compare): for benchmarks (bench/phases.ts).
 */
export interface JobTimes {
  /** PROGRAMS, or a product's 2·layout + (f64 ? 1 : 0). */
  op: number;
  blocks: number;
  /** Blocks this thread took (all of them when the worker came too late). */
  mainBlocks: number;
  /** The worker was asleep in Atomics.wait when the job was posted. */
  asleep: boolean;
  posted: number;
  /** This thread had taken its last block. */
  mainDone: number;
  /** The job was over (the worker left it, or was shut out). */
  end: number;
  /** When the worker joined the job and left it; null when it did not join. */
  workerJoined: number | null;
  workerDone: number | null;
}
const now = () => performance.timeOrigin + performance.now();

/** The job of running programs (each block is one program, run whole). */
export const PROGRAMS = 6;
const MAX_PROGRAMS = 4;

const SPIN_MS = 1; // this thread spins this long for the worker before sleeping (the worker: gemm-worker.js)
const GIVE_UP_MS = 60_000;
const SAMPLES = 5; // timings kept per shape and thread count
const EXPLORE = 16; // products before a shape tries the slower way again (then ever more rarely)
const MAX_EXPLORE = 1024;

type WorkerThreads = typeof import('node:worker_threads');
interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  ctrl: number;
  /** Byte offset of the worker's packing scratch. */
  scratch: number;
  /** node:worker_threads in Node, null elsewhere (a Web Worker is used). */
  node: WorkerThreads | null;
  /** The programs' buffer (programs.ts) and the export each program op number calls. */
  programs: { buffer: SharedArrayBuffer; exports: string[] };
}

/** The last few times (ms) of one shape's products on one thread and shared. */
interface ShapeTimings {
  one: number[];
  two: number[];
  count: number;
  /** product number of the next try of the slower way, and the interval between tries */
  next: number;
  every: number;
  /** where a try stands: the steps still to come, each 'wake' | 'untimed' | 'timed' */
  steps: Step[];
}
type Step = 'wake' | 'untimed' | 'timed';
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Whether to share products with the worker. NOTE: on a machine busier than its cores the worker may
 * get no core for milliseconds at a time, and sharing then costs far more than it saves. So each
 * shape is timed both ways (the median of the last few products) and run the faster way, trying the
 * slower way again after EXPLORE products, then ever more rarely while it stays slower. Either way
 * gives the same bits.
 *
 * NOTE: a worker without work sleeps, and waking it costs from 50 µs to, in a virtual machine,
 * about a millisecond, which a timed product must not pay. So a try of sharing first wakes the worker
 * (`wake()` is true) during a product on one thread, then shares one product untimed and one timed.
 * The first products of a shape (the kernels' first calls are slow) are not timed either.
 */
export class SplitChooser {
  private readonly timings = new Map<string, ShapeTimings>();
  private step: Step | null = null; // the step of the product being computed

  wanted(key: string): boolean {
    let t = this.timings.get(key);
    if (!t) {
      if (this.timings.size >= 256) this.timings.clear(); // shapes that keep changing: start over
      // first one product on one thread and one shared, untimed (and waking the worker), then
      // alternate until there are three timings each way
      this.timings.set(key, (t = { one: [], two: [], count: 0, next: EXPLORE, every: EXPLORE, steps: ['wake', 'untimed'] }));
    }
    const n = t.count++;
    this.step = t.steps.shift() ?? null;
    if (this.step === 'wake') return false;
    if (this.step === 'untimed') return true;
    if (t.two.length < 3 || t.one.length < 3) return t.two.length <= t.one.length;
    const twoFaster = median(t.two) < median(t.one);
    if (this.step === 'timed') return true; // the timed product of a try of sharing
    if (n < t.next) return twoFaster;
    if (twoFaster) {
      this.step = 'timed';
      return false;
    }
    t.steps = ['untimed', 'timed'];
    this.step = 'wake';
    return false;
  }

  /** True when the product just decided should wake the worker up for products to come. */
  wake(): boolean {
    return this.step === 'wake';
  }

  /** Records how long the product of shape `key` just decided took, shared or not. */
  record(key: string, shared: boolean, ms: number): void {
    const t = this.timings.get(key);
    const step = this.step;
    this.step = null;
    if (!t || step === 'wake' || step === 'untimed') return;
    if (step === 'timed') {
      // still slower: wait twice as long before the next try; clearly faster now: try again at once,
      // until enough fast timings have come in to change the medians
      const stillSlower = ms > 0.85 * median(shared ? t.one : t.two);
      t.every = stillSlower ? Math.min(Math.max(2 * t.every, EXPLORE), MAX_EXPLORE) : 1;
      t.next = t.count + t.every - 1;
    }
    const list = shared ? t.two : t.one;
    list.push(ms);
    if (list.length > SAMPLES) list.shift();
  }
}

export class GemmPool {
  private readonly c: Int32Array;
  private readonly times: Float64Array;
  /** Called with the times of every job when set (benchmarks). */
  onJob: ((t: JobTimes) => void) | null = null;
  private readonly worker: { terminate(): unknown };
  private readonly canWait: boolean;
  private seq = 0;
  private disposed = false;
  private readonly choosers = { products: new SplitChooser(), streams: new SplitChooser() };

  constructor(o: PoolOptions) {
    this.c = new Int32Array(o.memory.buffer, o.ctrl, TIMES_AT / 4);
    this.times = new Float64Array(o.memory.buffer, o.ctrl + TIMES_AT, 2);
    const init = { module: o.module, memory: o.memory, ctrl: o.ctrl, scratch: o.scratch, programs: o.programs };
    if (o.node) {
      // NOTE: none of this process's flags: under `node --import tsx` the worker would load tsx as
      // well (13 MB of W2's peak memory on two threads) for a script of plain JavaScript
      const w = new o.node.Worker(new URL('./gemm-worker.js', import.meta.url), { workerData: init, execArgv: [] });
      w.unref(); // an idle worker must not keep the process alive
      w.on('error', () => {}); // a failed start leaves READY at 0: products then run on one thread
      this.worker = w;
    } else {
      // NOTE: written in the one form bundlers (Vite, webpack, esbuild) recognise and bundle as a worker
      const w = new Worker(new URL('./gemm-worker.js', import.meta.url), { type: 'module' });
      w.postMessage(init);
      this.worker = w;
    }
    // A browser's main thread may not block in Atomics.wait; it spins instead.
    try {
      Atomics.wait(this.c, MAIN_ASLEEP, 1, 0);
      this.canWait = true;
    } catch {
      this.canWait = false;
    }
  }

  /** How many column blocks and programs the worker has computed. */
  workerBlocks(): number {
    return Atomics.load(this.c, WORKER_BLOCKS);
  }

  /** The worker is up and waiting for jobs. */
  ready(): boolean {
    return !this.disposed && Atomics.load(this.c, READY) === 1;
  }

  /** Whether to share the next product (or step, split by streams) of shape `key` (see SplitChooser). */
  wanted(key: string, adaptive: boolean, what: 'products' | 'streams' = 'products'): boolean {
    if (!this.ready()) return false;
    const chooser = this.choosers[what];
    const split = !adaptive || chooser.wanted(key);
    // a step split by streams is decided before its arrays are filled: the worker wakes meanwhile
    const wake = (adaptive && chooser.wake()) || (split && what === 'streams');
    if (wake && Atomics.load(this.c, WORKER_ASLEEP) === 1) Atomics.notify(this.c, SEQ, 1);
    return split;
  }

  record(key: string, shared: boolean, ms: number, what: 'products' | 'streams' = 'products'): void {
    this.choosers[what].record(key, shared, ms);
  }

  async whenReady(timeoutMs: number): Promise<boolean> {
    const t0 = Date.now();
    while (!this.ready() && !this.disposed && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 5));
    return this.ready();
  }

  /**
   * Computes a product in `count` blocks of `width` columns (the last one shorter), sharing them with
   * the worker: cols(A, B, C, M, K, N, acc, j0, j1) computes columns j0..j1.
   */
  run(
    layout: Layout,
    dtype: 'f32' | 'f64',
    args: [number, number, number, number, number, number, number],
    width: number,
    count: number,
    cols: (A: number, B: number, C: number, M: number, K: number, N: number, acc: number, j0: number, j1: number) => unknown,
  ): void {
    const [A, B, C, M, K, N, acc] = args;
    this.job(2 * LAYOUTS.indexOf(layout) + (dtype === 'f64' ? 1 : 0), [...args, width], count, (b) =>
      cols(A, B, C, M, K, N, acc, b * width, Math.min(N, (b + 1) * width)),
    );
  }

  /** Runs programs (start and end of each in the program buffer), sharing them with the worker: run(i) runs program i here. */
  runPrograms(ranges: readonly { start: number; end: number }[], run: (i: number) => void): void {
    if (ranges.length > MAX_PROGRAMS) throw new Error(`wasm kernels: at most ${MAX_PROGRAMS} programs at once, got ${ranges.length}`);
    this.job(
      PROGRAMS,
      ranges.flatMap((r) => [r.start, r.end]),
      ranges.length,
      run,
    );
  }

  /** Posts a job of `count` blocks, takes blocks itself until none is left, then waits for the worker's. */
  private job(op: number, args: number[], count: number, block: (b: number) => void): void {
    const c = this.c,
      seq = ++this.seq;
    c[OP] = op;
    for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
    c[COUNT] = count;
    c[NEXT] = 0;
    const trace = this.onJob;
    const posted = trace ? now() : 0;
    Atomics.store(c, SEQ, seq); // publishes the plain writes above
    const asleep = Atomics.load(c, WORKER_ASLEEP) === 1;
    if (asleep) Atomics.notify(c, SEQ, 1);
    let mainBlocks = 0;
    for (let b = Atomics.add(c, NEXT, 1); b < count; b = Atomics.add(c, NEXT, 1), mainBlocks++) block(b);
    const mainDone = trace ? now() : 0;
    // all blocks are taken: either the worker never joined (shut it out) or wait until it leaves
    const joined = Atomics.compareExchange(c, JOIN, seq - 1, seq) !== seq - 1;
    if (joined) this.waitForWorker(seq);
    if (trace) {
      const [workerJoined, workerDone] = joined ? this.times : [null, null];
      trace({ op, blocks: count, mainBlocks, asleep, posted, mainDone, end: now(), workerJoined, workerDone });
    }
    if (Atomics.load(c, ERR) !== 0) {
      Atomics.store(c, ERR, 0);
      throw new Error(`wasm kernels: ${op === PROGRAMS ? 'a program of kernel calls' : 'a matrix product'} failed in the worker thread`);
    }
  }

  private waitForWorker(seq: number): void {
    const c = this.c;
    const t0 = performance.now();
    let n = 0;
    while (Atomics.load(c, LEFT) !== seq) {
      if ((++n & 255) !== 0) continue;
      const t = performance.now() - t0;
      if (t > GIVE_UP_MS) throw new Error('wasm kernels: the worker thread stopped answering');
      if (t > SPIN_MS && this.canWait) {
        Atomics.store(c, MAIN_ASLEEP, 1);
        Atomics.wait(c, LEFT, seq - 1, 50);
        Atomics.store(c, MAIN_ASLEEP, 0);
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.c[OP] = -1;
    Atomics.store(this.c, SEQ, ++this.seq);
    Atomics.notify(this.c, SEQ);
    this.worker.terminate();
  }
}
