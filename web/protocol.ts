// The messages between the page (main.ts) and the training worker (worker.ts).
//
//   page → worker: init (a new model on a text), train / pause / resume / reset, sample and
//                  cancel-sample, inspect, save, load
//   worker → page: model (what the current model is), progress (a slice of training steps),
//                  validation, state (running or not), sampling (how far a sample is), sample,
//                  inspect, saved, error
// (The gradient check runs in a worker of its own, gradcheck-worker.ts, so that it can be cancelled.)
//
// Every request that can fail answers with `error` (a one-line message) and leaves the current
// model as it was.

import type { GradcheckRow, Guess, TrainerOptions } from '../src/core.ts';

/** The hyperparameters the page lets the user choose. */
export type ModelOptions = Pick<TrainerOptions, 'model' | 'layers' | 'hidden' | 'seqLength' | 'batchSize' | 'optim' | 'lr' | 'lrDecay' | 'epochs'>;

/** "Until paused" is a run of this many epochs (the epochs field's maximum). */
export const UNTIL_PAUSED_EPOCHS = 100_000;

/** A text and the options to train on it with. */
export interface TrainRequest {
  text: string;
  name: string;
  options: ModelOptions;
}

export interface SampleRequest {
  length: number;
  temperature: number;
  prime: string;
}

export type ToWorker =
  | ({ type: 'init'; train: boolean } & TrainRequest) // train: start training once built
  | { type: 'pause' }
  | { type: 'resume'; epochs: number } // epochs: the run's length from now on (the epochs field)
  | { type: 'reset'; page: TrainRequest | null } // page: the page's text and options, for a model that has none of its own
  | ({ type: 'sample'; auto: boolean } & SampleRequest)
  | { type: 'cancel-sample' }
  | { type: 'inspect'; text: string; top: number }
  | { type: 'save' }
  | { type: 'load'; bytes: ArrayBuffer; name: string; text: string | null; textName: string }; // text: the page's text, to continue training on

export interface ModelInfo {
  kind: string;
  layers: number;
  hidden: number;
  vocabSize: number;
  parameters: number;
  /** Where it came from: "new on tinyshakespeare.txt", "loaded from model.safetensors". */
  origin: string;
  iteration: number;
  /** Epochs done (fractional) and the run's length in epochs; 0 and null for a model that cannot train. */
  epoch: number;
  epochs: number | null;
  /** False for a model loaded without its training state or its text: it samples, it cannot train. */
  trainable: boolean;
  /** The trainer's options, when trainable. */
  options: ModelOptions | null;
  /** What runs the training steps ('wasm f32 ×2', 'ts f64 (manual)'), when trainable. */
  engine: string | null;
  /** A passage the model can read (all its characters in its vocabulary), for "look inside". */
  passage: string;
}

export interface Progress {
  /** Iteration after the last step of the slice. */
  iteration: number;
  epoch: number;
  /** The loss of each step of the slice, nats per character (steps iteration − n + 1 … iteration). */
  losses: number[];
  /** Training characters per second over the last few seconds (step time only). */
  charsPerSecond: number;
}

export type FromWorker =
  | { type: 'model'; info: ModelInfo; message: string }
  | ({ type: 'progress' } & Progress)
  | { type: 'validation'; iteration: number; loss: number; characters: number }
  | { type: 'state'; running: boolean; reason?: string }
  | { type: 'sampling'; done: number; length: number }
  | { type: 'sample'; text: string; prime: string; iteration: number; auto: boolean; cancelled: boolean }
  | { type: 'inspect'; chars: string[]; layers: number; hidden: number; h: Float64Array[]; c: Float64Array[]; guesses: Guess[][] }
  | { type: 'saved'; bytes: ArrayBuffer; name: string }
  | { type: 'error'; message: string; request: ToWorker['type'] };

/** The gradient-check worker's one request and its answers. */
export interface GradcheckRequest {
  kind: TrainerOptions['model'];
  layers: number;
  hidden: number;
  seqLength: number;
  batch: number;
  text: string;
}
export type GradcheckAnswer =
  | { type: 'gradcheck'; rows: GradcheckRow[]; pass: boolean; loss: number; config: string; seconds: number }
  | { type: 'error'; message: string };
