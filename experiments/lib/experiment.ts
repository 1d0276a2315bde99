// What an experiment is, and the context the runner hands it: whether this is a --quick run, where
// progress goes, the bundled corpora, resumable training runs, and fast sampling from a model.

import { join } from 'node:path';
import {
  CORPORA, Rng, Vocab, findCorpus, readTextFile, sample, samplingStepper,
  type Params, type SampleOptions, type Trainer,
} from '../../src/index.ts';
import { trainRun, type RunResult, type RunSpec } from './runs.ts';
import type { Reporter, Results } from './report.ts';

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
    const r = await trainRun(this.runsDir, spec, this.report);
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
