// The experiments, in the order `--all` runs them (and the index lists them).

import interpretableCells from './interpretable-cells.ts';
import latex from './latex.ts';
import type { Experiment } from './lib/experiment.ts';
import linux from './linux.ts';
import names from './names.ts';
import shakespeareLarger from './shakespeare-larger.ts';
import tangPoems from './tang-poems.ts';
import temperature from './temperature.ts';
import trainingStages from './training-stages.ts';

export const EXPERIMENTS: readonly Experiment[] = [trainingStages, names, temperature, tangPoems, shakespeareLarger, linux, latex, interpretableCells];
