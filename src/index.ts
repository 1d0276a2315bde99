// The one public entry of rnn-from-scratch. The command line, the notebooks and the web page
// import from here and nowhere else.

// ---- engine: tensors, the tape, primitives, composites -------------------------------------
export * from './engine/index.ts';
export { UserError } from './errors.ts';

// ---- models: the tape-based RNN ----------------------------------------------------------
export { type RNNConfig, type Params, paramShapes, initParams, configOf, inputWeight, rnnLoss, rnnStepper, zeroState } from './models/rnn.ts';

// ---- models: hand-derived backprop, and the two gradient paths (manual models section) -----
export * as rnn1Manual from './models/rnn1.manual.ts';
export * as rnn2Manual from './models/rnn2.manual.ts';
export * as rnnNManual from './models/rnnN.manual.ts';
export { lossAndGrads, type GradPath, type StepResult } from './models/paths.ts';

// ---- gradient checking (gradcheck section) -----------------------------------------------
export {
  THRESHOLDS, NOISE, numericNoiseFloor, gradcheck, compareGradients, relativeError, formatGradcheckTable, wellScaledParams,
  type GradcheckOptions, type GradcheckRow,
} from './gradcheck.ts';

// ---- data and checkpoints (data section) --------------------------------------------------
export { Vocab, showChar } from './data/vocab.ts';
export { readTextFile, decodeUtf8, readFileBytes } from './data/text.ts';
export { encodeSafetensors, decodeSafetensors, type Dtype, type StoredTensor } from './checkpoint/safetensors.ts';
export { CHECKPOINT_FORMAT, type Checkpoint, encodeCheckpoint, decodeCheckpoint, saveCheckpoint, loadCheckpoint, checkCheckpointPath } from './checkpoint/checkpoint.ts';

// ---- training and sampling (training section) ----------------------------------------------
export { Adagrad, clipElementwise, type Grads } from './train/optim.ts';
export { Trainer, TRAINER_DEFAULTS, type TrainerOptions, type ResumeOptions } from './train/trainer.ts';
export { train, type TrainOptions, type TrainProgress, type TrainSample, type TrainResult } from './train/loop.ts';
export { sample, sampleStream, softmaxWithTemperature, type SampleOptions } from './train/sample.ts';
