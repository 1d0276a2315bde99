// Where a training step's time goes, phase by phase, on one thread and on two: the step the fast
// engine takes (src/train/engines.ts FastEngine.step), written out here call by call so that each
// phase can be timed, on a model and kernels built the way the Trainer builds them.
//
//   npx tsx bench/phases.ts [--workload W2] [--steps 200] [--block 10] [--warmup 40]
//
// The two kernel sets (1 and 2 threads) live in one process and take turns, `block` steps each, so
// that both see the same load: on a shared machine compare the proportions and counts, not the
// absolute times. Phases of a step, on the main thread:
//   batch      the chunk's ids (Stripes.batch) and saving the carried state (a refused step restores it)
//   before     from run() to the groups' passes: checking the ids, copying each group's streams and
//              state in, layer 0's W_ih transposed
//   passes     the groups' forward and backward passes (split by streams: from posting the programs to
//              the end of the job; otherwise from the first kernel call to the last)
//   after      from the passes to the end of run(): the state copied out, the groups' gradients added
//   finite     the finiteness check of every gradient
//   clip       clipping (and the global norm)
//   update     the optimizer
// and, for the steps split by streams, the two threads' programs: how late the worker joined after
// the programs were posted (and how often it was asleep then), how long each thread's program took,
// how long the main thread waited for the worker, and how often the main thread ran both programs.
// On Linux it also reads each thread's time on a core and time waiting for one (/proc's schedstat),
// per step: on a loaded machine the second says how much of a step was lost to other programs.

import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GROUP_METHODS } from '../src/fast/kernel-calls.ts';
import { type JobTimes, PROGRAMS } from '../src/fast/threads.ts';
import type { WasmKernels } from '../src/fast/wasm.ts';
import {
  applyUpdate,
  charrnn,
  clipGrads,
  encodeText,
  FastCharRNN,
  fastModelBytes,
  gradsFinite,
  makeOptimizer,
  Rng,
  readTextFile,
  Stripes,
  splitData,
  TRAINER_DEFAULTS,
  type TrainerOptions,
  wasmKernels,
} from '../src/index.ts';
import { WORKLOADS } from './workload.ts';

const { values: opts } = parseArgs({
  options: {
    workload: { type: 'string', default: 'W2' },
    steps: { type: 'string', default: '200' },
    block: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '40' },
  },
});
const w = WORKLOADS[opts.workload!];
if (!w?.train) throw new Error(`--workload: expected a training workload (${Object.keys(WORKLOADS).filter((n) => WORKLOADS[n].train)})`);
const o: TrainerOptions = { ...TRAINER_DEFAULTS, ...w.train };

const PHASES = ['batch', 'before', 'passes', 'after', 'finite', 'clip', 'update'] as const;
type Phase = (typeof PHASES)[number];
/** What one step of one kernel set left: its phases (ms), and its programs' job when it was split by streams. */
interface StepRecord {
  ms: Record<Phase, number>;
  total: number;
  /** The job of the groups' programs, when the step was split by streams. */
  job: JobTimes | null;
  /** The other jobs shared with the worker: pieces of the elementwise work, and products. */
  pieceJobs: JobTimes[];
  productJobs: number;
  /** ms on a core and waiting for one during the step: main thread, worker (NaN off Linux). */
  threads: number[];
}

const now = () => performance.now();
const origin = performance.timeOrigin;

/** A model as the Trainer makes it (its seed, initialisation and optimizer), on its own kernel set. */
function makeRun(threads: 1 | 2) {
  const { vocab, ids } = encodeText(readTextFile(fileURLToPath(new URL(`../data/${w.data ?? 'tinyshakespeare.txt'}`, import.meta.url))));
  const config = { kind: o.model, vocabSize: vocab.size, hiddenSize: o.hidden, layers: o.layers };
  const stripes = new Stripes(splitData(ids, { train: o.trainFrac, val: o.valFrac }).train, o.batchSize, o.seqLength);
  const shape = { config, B: o.batchSize, T: o.seqLength, optim: o.optim, dropout: false };
  const k = wasmKernels({ dtype: 'f32', threads, bytes: fastModelBytes(shape, 'f32') });
  const m = new FastCharRNN(k, shape);
  m.setParams(charrnn.initParams(config, new Rng(o.seed)));
  const optimizer = makeOptimizer(o.optim);
  m.setOptimizerState(optimizer.state());
  const hyper = optimizer.hyper;

  // the passes' bounds: the first and last kernel call of a group (steps run in turn), or the job;
  // a group's passes call the kernels of GROUP_METHODS, each wrapped here to note the time
  let first = -1,
    last = -1,
    jobs: JobTimes[] = [];
  const set = k as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of GROUP_METHODS) {
    const f = set[name];
    set[name] = (...a: unknown[]) => {
      if (first < 0) first = now();
      const r = f(...a);
      last = now();
      return r;
    };
  }
  k.traceJobs((t) => jobs.push(t));
  let i = 0;
  function step(): StepRecord {
    const s0 = threadTimes();
    const t0 = now();
    const c = i % stripes.chunks;
    if (c === 0) m.setState(charrnn.zeroState(config, o.batchSize));
    const batch = stripes.batch(c);
    m.saveState();
    first = last = -1;
    jobs = [];
    const split0 = k.threadStats().streamSplits;
    const t1 = now();
    m.run(batch, undefined, true);
    const t2 = now();
    const split = k.threadStats().streamSplits > split0;
    gradsFinite(m);
    const t3 = now();
    clipGrads(m, o.clipMode, o.clip);
    const t4 = now();
    applyUpdate(m, o.lr, hyper);
    const t5 = now();
    const s1 = threadTimes();
    i++;
    const programs = jobs.filter((j) => j.op === PROGRAMS);
    const j = split ? programs[0] : null;
    const [p0, p1] = j ? [j.posted - origin, j.end - origin] : [first, last];
    return {
      ms: { batch: t1 - t0, before: p0 - t1, passes: p1 - p0, after: t2 - p1, finite: t3 - t2, clip: t4 - t3, update: t5 - t4 },
      total: t5 - t0,
      job: j,
      pieceJobs: split ? programs.slice(1) : programs,
      productJobs: jobs.length - programs.length,
      threads: s1.map((x, n) => x - s0[n]),
    };
  }
  return { k, step, dispose: () => k.dispose() };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[s.length >> 1];
};
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

/** Mean ms per step on a core and waiting for one, of the main thread and of the worker. */
function threadLine(what: string, recs: StepRecord[]): void {
  if (recs.length === 0) return;
  const m = [0, 1, 2, 3].map((n) => recs.reduce((a, r) => a + r.threads[n], 0) / recs.length);
  console.log(
    `  ${what} (${recs.length}), mean ms per step: main thread ${f2(m[0])} on a core, ${f2(m[1])} waiting for one; worker ${f2(m[2])} and ${f2(m[3])}`,
  );
}

function report(label: string, recs: StepRecord[]): void {
  const total = median(recs.map((r) => r.total));
  console.log(`\n${label}: ${recs.length} steps, median step ${f2(total)} ms, mean ${f2(recs.reduce((a, r) => a + r.total, 0) / recs.length)} ms`);
  threadLine(
    'split by streams',
    recs.filter((r) => r.job),
  );
  threadLine(
    'not split by streams',
    recs.filter((r) => !r.job),
  );
  console.log(`  ${'phase'.padEnd(10)} ${'median ms'.padStart(10)} ${'mean ms'.padStart(9)} ${'share'.padStart(7)}`);
  const meanTotal = recs.reduce((a, r) => a + r.total, 0) / recs.length;
  for (const p of PHASES) {
    const xs = recs.map((r) => r.ms[p]);
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    console.log(`  ${p.padEnd(10)} ${f2(median(xs)).padStart(10)} ${f2(mean).padStart(9)} ${`${((100 * mean) / meanTotal).toFixed(1)}%`.padStart(7)}`);
  }
  const pieces = recs.flatMap((r) => r.pieceJobs);
  if (pieces.length > 0) {
    const byWorker = pieces.filter((j) => j.mainBlocks < j.blocks).length;
    const ms = pieces.reduce((a, j) => a + j.end - j.posted, 0) / recs.length;
    console.log(
      `  jobs of elementwise pieces: ${f2(pieces.length / recs.length)} per step, ${f2(ms)} ms per step; the worker took part in ${byWorker} of ${pieces.length}`,
    );
  }
  const products = recs.reduce((a, r) => a + r.productJobs, 0);
  if (products > 0) console.log(`  products shared with the worker: ${f2(products / recs.length)} per step`);
  const jobs = recs.map((r) => r.job).filter((j): j is JobTimes => j !== null);
  if (jobs.length === 0) return;
  const joined = jobs.filter((j) => j.workerJoined !== null);
  console.log(`  split by streams: ${jobs.length} of ${recs.length} steps`);
  console.log(
    `  worker asleep when posted: ${jobs.filter((j) => j.asleep).length}; main thread ran both programs: ${jobs.filter((j) => j.mainBlocks === j.blocks).length}`,
  );
  console.log(`  worker joined after (median ms): ${f2(median(joined.map((j) => j.workerJoined! - j.posted)))}`);
  console.log(`  main program (median ms): ${f2(median(jobs.map((j) => j.mainDone - j.posted)))}`);
  console.log(`  worker program (median ms): ${f2(median(joined.map((j) => j.workerDone! - j.workerJoined!)))}`);
  console.log(`  main thread waiting for the worker (median ms): ${f2(median(jobs.map((j) => j.end - j.mainDone)))}`);
}

/** A thread's time on a core and time waiting for one (runnable, not running), in ms; null off Linux. */
function schedstat(tid: number): [number, number] | null {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run / 1e6, wait / 1e6];
  } catch {
    return null;
  }
}
const tasks = (): number[] => {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
};

const runs = { 1: makeRun(1), 2: undefined as unknown as ReturnType<typeof makeRun> };
const before = new Set(tasks());
runs[2] = makeRun(2);
await (runs[2].k as WasmKernels).whenThreadsReady();
const mainTid = process.pid;
let workerTid = -1; // the new thread that works the most during the warm-up (found after it)
function threadTimes(): number[] {
  return [...(schedstat(mainTid) ?? [NaN, NaN]), ...(schedstat(workerTid) ?? [NaN, NaN])];
}
const newTasks = tasks().filter((t) => !before.has(t));
const steps = Number(opts.steps),
  block = Number(opts.block),
  warmup = Number(opts.warmup);
const recs: Record<1 | 2, StepRecord[]> = { 1: [], 2: [] };
const load0 = loadavg()[0];
for (let done = 0; done < warmup + steps; done += block) {
  if (done === warmup && newTasks.length > 0) workerTid = newTasks.reduce((a, t) => ((schedstat(t)?.[0] ?? 0) > (schedstat(a)?.[0] ?? 0) ? t : a));
  for (const threads of [1, 2] as const) {
    for (let s = 0; s < block; s++) {
      const r = runs[threads].step();
      if (done >= warmup) recs[threads].push(r);
    }
  }
}
const load1 = loadavg()[0];
for (const r of Object.values(runs)) r.dispose();
console.log(`${opts.workload} ${w.what}: wasm f32, ${steps} steps per thread count after ${warmup} (blocks of ${block}, taking turns)`);
console.log(`load average (1 min) ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end`);
report('1 thread', recs[1]);
report('2 threads', recs[2]);
const t1 = median(recs[1].map((r) => r.total)),
  t2 = median(recs[2].map((r) => r.total));
console.log(`\n2 threads ÷ 1 (median steps): ${(t1 / t2).toFixed(2)}×`);
