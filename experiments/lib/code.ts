// What the Linux and LaTeX experiments share: train a model on a corpus with the paper's split,
// draw several long samples at two temperatures, and measure each sample beside windows of the
// same length cut from the real validation text.

import type { TrainerOptions } from '../../src/index.ts';
import { type Context, fastSample } from './experiment.ts';
import type { RunResult } from './runs.ts';

export interface CodeRun<R> {
  run: RunResult<unknown>;
  /** For each temperature, the samples and their measures. */
  sampled: { temperature: number; samples: string[]; measures: R[] }[];
  /** The same measures on windows of the validation text. */
  real: R[];
}

export async function codeRun<R>(
  ctx: Context,
  spec: {
    name: string;
    corpus: string;
    options: Partial<TrainerOptions>;
    until: number;
    evalEvery: number;
    length: number;
    count: number;
    temperatures: number[];
    prime: string;
    measure: (text: string) => R;
  },
): Promise<CodeRun<R>> {
  const text = ctx.corpus(spec.corpus);
  const run = await ctx.train({ name: spec.name, text, data: spec.corpus, options: spec.options, until: spec.until, evalEvery: spec.evalEvery });
  const { trainer } = run;
  const sampled = spec.temperatures.map((temperature) => {
    const samples = Array.from(
      { length: spec.count },
      (_, i) => spec.prime + fastSample(trainer.params, trainer.vocab, { length: spec.length, prime: spec.prime, seed: 100 + i, temperature }),
    );
    return { temperature, samples, measures: samples.map(spec.measure) };
  });
  trainer.dispose();
  // windows of the validation text, each starting at a line start, evenly spread
  const val = text.slice(trainer.split.train.length, trainer.split.train.length + trainer.split.val.length);
  const real: R[] = [];
  for (let i = 0; i < spec.count; i++) {
    const at = val.indexOf('\n', Math.floor((i * (val.length - spec.length)) / spec.count)) + 1;
    real.push(spec.measure(val.slice(at, at + spec.length)));
  }
  return { run, sampled, real };
}

/** The mean of a numeric field over measures. */
export function meanOf<R>(rs: readonly R[], f: (r: R) => number): number {
  return rs.reduce((s, r) => s + f(r), 0) / Math.max(rs.length, 1);
}
