// The library without Node: everything but reading and writing files (the Node layer, src/node/).
// The web page imports from here, and so does a bundler that builds the package for a browser
// (package.json's "browser" condition); src/index.ts, the Node entry, is this plus the file helpers.

export {
  CHECKPOINT_FORMAT,
  type Checkpoint,
  type DecodeOptions,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingState,
} from './checkpoint/checkpoint.ts';
export { type Dtype, decodeSafetensors, encodeSafetensors, type StoredTensor } from './checkpoint/safetensors.ts';
export { CORPORA, type Corpus, findCorpus } from './data/corpora.ts';
export { bytesPerId, type EncodedText, encodeText, type Ids, idArray, Utf8Scanner, withoutBom } from './data/encoded.ts';
export { decodeUtf8, isGzip } from './data/text.ts';
// ---- data and checkpoints (data section) --------------------------------------------------
export { showChar, Vocab } from './data/vocab.ts';
// ---- engine: tensors, the tape, primitives, composites -------------------------------------
export * from './engine/index.ts';
export { UserError } from './errors.ts';
// ---- the fast path: kernel sets and the models on them (fast section) -----------------------
export { type Arena, arenaBytes, type DType, type FastKernels, type FloatArray, KERNEL_NAMES, type KernelName, referenceKernels } from './fast/kernels.ts';
export { FastCharRNN, type FastModelShape, fastModelBytes } from './fast/model.ts';
export { DTYPES, defaultThreads, type Engine, KERNEL_CHOICES, type KernelChoice, makeKernels, resolveKernels, samplingStepper } from './fast/select.ts';
export { fastStepper, fastStepperBytes, type Stepper, StreamStepper, streamStepperBytes } from './fast/stepper.ts';
export { ArenaFullError, type TapeBackendOptions, type WasmTapeBackend, wasmTapeBackend } from './fast/tape.ts';
export { TapeRunner } from './fast/tape-runner.ts';
export { applyUpdate, clipGrads, gradsFinite } from './fast/update.ts';
export { wasmAvailable, wasmKernels } from './fast/wasm.ts';
// ---- gradient checking (gradcheck section) -----------------------------------------------
export { type CharGradcheckOptions, charCheckBatch, charGradcheck, charWellScaledParams } from './gradcheck/charrnn.ts';
export { compareGradients, formatGradcheckTable, type GradcheckRow, NOISE, numericNoiseFloor, relativeError, THRESHOLDS } from './gradcheck/compare.ts';
export { type GradcheckOptions, gradcheck, wellScaledParams } from './gradcheck/minchar.ts';
// ---- the tape's graph, drawn (graph section) ---------------------------------------------
export {
  type DescribeOptions,
  describeGraph,
  type GraphEdge,
  GraphLabels,
  type GraphNode,
  type NodeKind,
  type Summary,
  type TapeGraph,
} from './graph/describe.ts';
export { type DotOptions, formatSummary, nodeText, nodeTooltip, toDot } from './graph/dot.ts';
export {
  charUnrolled,
  DEFAULT_GRAPH_TEXT,
  GRAPH_MODELS,
  type GraphModel,
  type GraphOptions,
  minCharUnrolled,
  modelGraph,
  type Unrolled,
} from './graph/models.ts';
export { type SvgRenderer, svgRenderer } from './graph/svg.ts';
// ---- looking inside a trained model (inspect section) ---------------------------------------
export { type Guess, type Trace, type TraceOptions, traceActivations } from './inspect.ts';
// ---- which cells track what (interpret section): states over a text, scores per feature (coloured text: plot/text.ts) ----
export { type CellStates, type CellStatesOptions, cellSeries, cellStates } from './interpret/states.ts';
export {
  auc,
  bestStrength,
  cellsTrackingAny,
  type Feature,
  type FeatureKind,
  pearson,
  type RankedCell,
  rankCells,
  strength,
  type Thresholds,
  type Tracking,
  trackFeatures,
} from './interpret/track.ts';
export {
  checkArrayLength,
  checkJob,
  checkMemory,
  DEFAULT_MEMORY_LIMIT,
  formatBytes,
  GRADCHECK_WORK_BUDGET,
  gradcheckWork,
  jobBytes,
  parameterCount,
  SizeError,
  type SizeJob,
} from './limits.ts';
export { charEvalLoss, charLossAndGrads } from './models/charrnn.paths.ts';
// ---- models: char-rnn's RNN, LSTM and GRU in PyTorch's layout (charrnn section) -----------
export * as charrnn from './models/charrnn.ts';
export {
  type Batch,
  CELL_KINDS,
  type CellKind,
  type CharRNNConfig,
  type CharStep,
  charLoss,
  cloneState,
  type DropoutMasks,
  dropoutMasks,
  GATE_NAMES,
  GATES,
  type State,
  stepper,
} from './models/charrnn.ts';
export * as gruManual from './models/gru.manual.ts';
export * as lstmManual from './models/lstm.manual.ts';
export * as rnnManual from './models/rnn.manual.ts';
export { GRAD_PATHS, type GradPath, lossAndGrads, type StepResult } from './models/rnn.paths.ts';
// ---- models: the post's min-char-rnn family (tape-based) -----------------------------------
export { configOf, initParams, inputWeight, type Params, paramShapes, type RNNConfig, rnnLoss, rnnStepper, zeroState } from './models/rnn.ts';
// ---- models: hand-derived backprop, and the two gradient paths (manual models section) -----
export * as rnn1Manual from './models/rnn1.manual.ts';
export * as rnn2Manual from './models/rnn2.manual.ts';
export * as rnnNManual from './models/rnnN.manual.ts';
// ---- a character n-gram baseline with interpolated Kneser-Ney smoothing (ngram section) -----
export { type Discount, KneserNey, modifiedDiscounts, type NgramOptions, type Term } from './ngram/kneser-ney.ts';
// ---- training, evaluation and sampling (training section) ---------------------------------
export {
  arraysFinite,
  arraysNorm,
  CLIP_MODES,
  type ClipMode,
  clipArraysElementwise,
  clipArraysNorm,
  clipGradients,
  float64GradOps,
  type GradOps,
  kernelGradOps,
} from './optim/clip.ts';
export * from './optim/optim.ts';
export { float64Ops, type VectorOps } from './optim/vector.ts';
// ---- charts and tables (notebooks section; the teaching modules are src/lessons/index.ts) -----
export type { ChartOptions, Rule, Series } from './plot/axes.ts';
export { type Bar, barChart } from './plot/bar.ts';
export { type HeatmapOptions, type HeatmapPanel, heatmaps } from './plot/heatmap.ts';
export { lineChart } from './plot/line.ts';
export { pointChart } from './plot/point.ts';
export { Figure, renderChart } from './plot/render.ts';
export { scatterChart } from './plot/scatter.ts';
export { type ColoredTextOptions, type ColoredTextPanel, coloredTextSvg, layoutText, type TextHeatmapOptions, textHeatmap } from './plot/text.ts';
export { type Cell, Table, table } from './table.ts';
export { evalStripes, fingerprint, type IdArray, type Split, type SplitFractions, Stripes, splitData } from './train/data.ts';
export {
  checkSize,
  estimateRun,
  formatFlops,
  MAX_TRAINER_BYTES,
  NOMINAL_FLOPS_PER_SECOND,
  type RunSize,
  type SizeOptions,
} from './train/estimate.ts';
export { type EvalEngine, type EvalResult, evaluate } from './train/evaluate.ts';
export {
  type CheckpointStore,
  type LoopOptions,
  type TrainEval,
  type TrainProgress,
  type TrainResult,
  type TrainSample,
  type TrainStep,
  trainLoop,
} from './train/loop.ts';
// (checkSampling and picker stay inside: the two samplers' shared checks and rule)
export { type SampleOptions, sample, sampleStream, softmaxWithTemperature, topKFilter } from './train/sample.ts';
export { SMOOTH_WINDOW, smoothedLoss } from './train/smooth.ts';
export { type StreamsOptions, sampleStreams, streamRngs } from './train/streams.ts';
export {
  checkOptions,
  checkTrainingSize,
  DivergedError,
  type ResumeOptions,
  TRAINER_DEFAULTS,
  Trainer,
  type TrainerOptions,
  type ValRecord,
} from './train/trainer.ts';
