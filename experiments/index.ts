// The experiments, in the order `--all` runs them (and the index lists them).

import type { Experiment } from './lib/experiment.ts';
import trainingStages from './training-stages.ts';

export const EXPERIMENTS: readonly Experiment[] = [trainingStages];
