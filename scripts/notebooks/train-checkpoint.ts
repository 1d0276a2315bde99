// Trains the model that notebook 06 looks inside, so that the notebook itself runs in seconds:
// an LSTM (1 layer, 128 units) on the bundled tinyshakespeare for a fixed number of iterations
// (not a time limit, so every run makes the same model), saved with its per-iteration training
// loss in the checkpoint's training record.
//
//   npx tsx scripts/notebooks/train-checkpoint.ts [--force]
//
// `npm run notebooks` calls this first; it does nothing when the checkpoint exists and was made
// by this recipe, so it trains once per clone (about half a minute on the WebAssembly kernels).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, readTextFile, saveCheckpoint, Trainer, type TrainerOptions, trainLoop } from '../../src/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHECKPOINT = join(root, 'checkpoints/notebooks/lstm.safetensors');

/** Everything that decides the model: a checkpoint made from another recipe is retrained. */
export const RECIPE = {
  data: 'data/tinyshakespeare.txt',
  iters: 1500,
  evalEvery: 100,
  options: {
    model: 'lstm',
    layers: 1,
    hidden: 128,
    seqLength: 50,
    batchSize: 32,
    optim: 'rmsprop',
    lr: 2e-3,
    trainFrac: 0.95,
    valFrac: 0.05,
    epochs: 10,
    seed: 123,
  } satisfies Partial<TrainerOptions>,
};

function upToDate(): boolean {
  if (!existsSync(CHECKPOINT)) return false;
  try {
    const recipe = loadCheckpoint(CHECKPOINT).training?.train.recipe;
    return JSON.stringify(recipe) === JSON.stringify(RECIPE);
  } catch {
    return false;
  }
}

export async function ensureCheckpoint(force = false, log: (line: string) => void = console.log): Promise<void> {
  if (!force && upToDate()) return;
  const text = readTextFile(join(root, RECIPE.data));
  const trainer = Trainer.fromText(text, RECIPE.options);
  const lossCurve: number[] = []; // training loss of every iteration, nats/char
  log(`notebooks: training ${CHECKPOINT.slice(root.length + 1)} for notebook 06 (${RECIPE.iters} iterations, once per clone)`);
  let shown = 0;
  await trainLoop(trainer, {
    iters: RECIPE.iters,
    evalEvery: RECIPE.evalEvery,
    progressMs: 0,
    onProgress: (p) => {
      lossCurve[p.iteration - 1] = p.loss;
      if (p.iteration >= shown + RECIPE.iters / 10) {
        shown = p.iteration;
        log(`  iteration ${p.iteration}/${RECIPE.iters}  loss ${p.recentLoss.toFixed(3)}  ${Math.round(p.charsPerSecond)} chars/s`);
      }
    },
    onEval: (e) => log(`  validation loss ${e.loss.toFixed(3)} nats/char at iteration ${e.iteration}`),
  });
  // Saved once, at the end: the loop's own saves come before the last iteration's loss is reported.
  saveCheckpoint(CHECKPOINT, trainer.checkpoint({ recipe: RECIPE, lossCurve }));
  log(`notebooks: saved ${CHECKPOINT.slice(root.length + 1)}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await ensureCheckpoint(process.argv.includes('--force'));
}
