// What an experiment is, and the context the runner hands it: whether this is a --quick run, where
// progress goes, the bundled corpora, resumable training runs, and fast sampling from a model.

import { join } from 'node:path';
import {
  CORPORA,
  findCorpus,
  type Params,
  Rng,
  readTextFile,
  type SampleOptions,
  type StreamsOptions,
  sample,
  sampleStreams,
  samplingStepper,
  type Trainer,
  type Vocab,
} from '../../src/index.ts';
import type { Reporter, Results } from './report.ts';
import { type RunResult, type RunSpec, trainRun } from './runs.ts';

export interface Experiment {
  /** The folder name under results/ and what `npm run experiment -- NAME` takes. */
  name: string;
  title: string;
  /** One line for `--list`. */
  about: string;
  run(ctx: Context): Promise<Omit<Results, 'name' | 'title'>>;
}

export const DATA_DIR = join(import.meta.dirname, '..', '..', 'data');

export class Context {
  /** Training seconds of the runs this experiment used, over all sittings. */
  trainingSeconds = 0;
  /** Training seconds spent in this sitting (to tell measuring time from training time). */
  sittingTrainingSeconds = 0;
  private readonly texts = new Map<string, string>();

  constructor(
    readonly quick: boolean,
    readonly report: Reporter,
    /** Where the runs' checkpoints live. */
    readonly runsDir: string,
    /** Threads for training (0: automatic); 1 keeps a busy machine from stalling two. */
    readonly threads: 0 | 1 | 2 = 0,
    /** Stops training at the next iteration (Ctrl-C), after saving the run. */
    readonly signal?: AbortSignal,
  ) {}

  /** The text of a bundled corpus, read once. */
  corpus(name: string): string {
    let t = this.texts.get(name);
    if (t === undefined) {
      const c = findCorpus(name);
      if (!c) throw new Error(`no bundled corpus '${name}' (there are ${CORPORA.map((x) => x.name).join(', ')})`);
      t = readTextFile(join(DATA_DIR, c.file));
      this.texts.set(name, t);
    }
    return t;
  }

  /** Train, resume or find finished the run `spec` (see runs.ts). */
  async train<M>(spec: RunSpec<M>): Promise<RunResult<M>> {
    const t0 = performance.now();
    const r = await trainRun(this.runsDir, spec, this.report, this.threads, this.signal);
    this.trainingSeconds += r.seconds;
    this.sittingTrainingSeconds += (performance.now() - t0) / 1000;
    return r;
  }
}

/**
 * `length` characters from `params` on the fast kernels (float32 WebAssembly when built), seeded:
 * the same seed gives the same text on the same kernels.
 */
export function fastSample(params: Params, vocab: Vocab, opts: Omit<SampleOptions, 'rng' | 'stepper'> & { seed: number }): string {
  const engine = samplingStepper(params, 'auto', 'f32');
  try {
    return sample(params, vocab, { ...opts, rng: new Rng(opts.seed), stepper: engine.stepper });
  } finally {
    engine.dispose();
  }
}

/** The trainer's current model as parameters and vocabulary. */
export function modelOf(trainer: Trainer): { params: Params; vocab: Vocab } {
  return { params: trainer.params, vocab: trainer.vocab };
}

/**
 * Up to `count` lines (names, poems: one item per line) sampled from the model as `count`
 * independent streams (sampleStreams: stream i draws from `new Rng(seed)` jumped i times), each
 * primed with "\n" and giving one item, in stream order: its second line (possibly empty). The first
 * line is a warm-up, dropped: it starts from the zero state, which training meets only at the start
 * of an epoch, and on names it comes out shorter and about 20 times as often lower-case (8.9% against
 * 0.4%) as the lines after it, which match one long stream's. Each stream runs `lineLength(meanLength)`
 * characters; a stream that has not ended both lines by then is dropped, not resampled: a resampled
 * stream would not admit a longer line either, and a trained model drops almost none. So a model that
 * rarely ends a line (a toy one) gives fewer items, and the work is bounded: count × that length
 * characters (sampleStreams refuses over 2³⁰). `kernels` and `dtype` default to float32 WebAssembly
 * when built; the items do not depend on `threads`.
 */
export function sampleLines(
  params: Params,
  vocab: Vocab,
  count: number,
  opts: { seed: number; temperature?: number; meanLength: number } & Pick<StreamsOptions, 'kernels' | 'dtype' | 'threads'>,
): string[] {
  if (count < 1) return [];
  const { seed, temperature, kernels, dtype, threads } = opts;
  const length = lineLength(opts.meanLength);
  const texts = sampleStreams(params, vocab, { streams: count, length, prime: '\n', seed, temperature, kernels, dtype, threads });
  return texts.flatMap((t) => {
    const lines = t.split('\n');
    return lines.length > 2 ? [lines[1]] : [];
  });
}

/** How many characters sampleLines lets each stream run for two lines (the warm-up and the item) of `meanLength` characters on average. */
export function lineLength(meanLength: number): number {
  return 2 * (Math.ceil(3 * meanLength) + 20);
}

/** Peak resident memory of this process so far, in MB. */
export function peakMemoryMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
