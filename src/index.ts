// The public entry of rnn-from-scratch (the package's `.`). The command line, the notebooks and the
// web page import from here; the teaching modules (the planted bug, finite differences, min-char-rnn
// training) are the second entry, src/lessons/index.ts (`rnn-from-scratch/lessons`).

// ---- engine: tensors, the tape, primitives, composites -------------------------------------
export * from './engine/index.ts';
export { UserError } from './errors.ts';

// ---- models: char-rnn's RNN, LSTM and GRU in PyTorch's layout (charrnn section) -----------
export * as charrnn from './models/charrnn.ts';
export { CELL_KINDS, GATES, charLoss, stepper, cloneState, dropoutMasks, type CellKind, type CharRNNConfig, type State, type Batch, type DropoutMasks } from './models/charrnn.ts';
export { charLossAndGrads, charEvalLoss } from './models/charrnn.paths.ts';
export * as rnnManual from './models/rnn.manual.ts';
export * as lstmManual from './models/lstm.manual.ts';
export * as gruManual from './models/gru.manual.ts';

// ---- models: the post's min-char-rnn family (tape-based) -----------------------------------
export { type RNNConfig, type Params, paramShapes, initParams, configOf, inputWeight, rnnLoss, rnnStepper, zeroState } from './models/rnn.ts';

// ---- models: hand-derived backprop, and the two gradient paths (manual models section) -----
export * as rnn1Manual from './models/rnn1.manual.ts';
export * as rnn2Manual from './models/rnn2.manual.ts';
export * as rnnNManual from './models/rnnN.manual.ts';
export { lossAndGrads, type GradPath, type StepResult } from './models/paths.ts';

// ---- gradient checking (gradcheck section) -----------------------------------------------
export {
  THRESHOLDS, NOISE, numericNoiseFloor, gradcheck, compareGradients, relativeError, formatGradcheckTable, wellScaledParams,
  charGradcheck, charWellScaledParams, charCheckBatch,
  type GradcheckOptions, type GradcheckRow, type CharGradcheckOptions,
} from './gradcheck.ts';

// ---- data and checkpoints (data section) --------------------------------------------------
export { Vocab, showChar } from './data/vocab.ts';
export { readTextFile, decodeUtf8, readFileBytes, isGzip, gunzipIfCompressed } from './data/text.ts';
export { CORPORA, findCorpus, type Corpus } from './data/corpora.ts';
export { encodeSafetensors, decodeSafetensors, type Dtype, type StoredTensor } from './checkpoint/safetensors.ts';
export { CHECKPOINT_FORMAT, type Checkpoint, type TrainingState, type DecodeOptions, encodeCheckpoint, decodeCheckpoint, saveCheckpoint, loadCheckpoint, checkCheckpointPath } from './checkpoint/checkpoint.ts';
export { writeFileAtomic } from './checkpoint/files.ts';

// ---- training, evaluation and sampling (training section) ---------------------------------
export * from './train/optim.ts';
export { splitData, Stripes, evalStripes, fingerprint, type Split, type SplitFractions } from './train/data.ts';
export { evaluate, type EvalResult, type EvalEngine } from './train/evaluate.ts';
export { Trainer, TRAINER_DEFAULTS, DivergedError, checkOptions, type TrainerOptions, type ResumeOptions, type ValRecord } from './train/trainer.ts';
export { estimateRun, checkSize, formatBytes, formatFlops, NOMINAL_FLOPS_PER_SECOND, MAX_TRAINER_BYTES, type RunSize, type SizeOptions } from './train/estimate.ts';
export { trainLoop, type LoopOptions, type TrainProgress, type TrainStep, type TrainEval, type TrainSample, type TrainResult } from './train/loop.ts';
export * from './train/sample.ts';

// ---- looking inside a trained model (inspect section) ---------------------------------------
export { traceActivations, type Trace, type TraceOptions, type Guess } from './inspect.ts';

// ---- the tape's graph, drawn (graph section) ---------------------------------------------
export { GraphLabels, describeGraph, type TapeGraph, type GraphNode, type GraphEdge, type NodeKind, type Summary, type DescribeOptions } from './graph/describe.ts';
export { toDot, nodeText, nodeTooltip, formatSummary, type DotOptions } from './graph/dot.ts';
export { svgRenderer, type SvgRenderer } from './graph/svg.ts';
export { GRAPH_MODELS, DEFAULT_GRAPH_TEXT, modelGraph, minCharUnrolled, charUnrolled, type GraphModel, type GraphOptions, type Unrolled } from './graph/models.ts';

// ---- the fast path: kernel sets and the models on them (fast section) -----------------------
export { referenceKernels, type FastKernels, type FloatArray, type DType, type KernelName } from './fast/kernels.ts';
export { FastCharRNN, fastModelBytes, type FastModelShape } from './fast/model.ts';
export { gradsFinite, clipGrads, applyUpdate } from './fast/update.ts';
export { fastStepper, fastStepperBytes, type Stepper } from './fast/stepper.ts';
export { KERNEL_CHOICES, DTYPES, resolveKernels, defaultThreads, makeKernels, samplingStepper, type KernelChoice, type Engine } from './fast/select.ts';
export { wasmAvailable, wasmKernels } from './fast/wasm.ts';

// ---- charts and tables (notebooks section; the teaching modules are src/lessons/index.ts) -----
export { Figure, renderChart, lineChart, barChart, pointChart, heatmaps, textHeatmap, layoutText, type Series, type ChartOptions, type Rule, type Bar, type HeatmapPanel, type HeatmapOptions, type TextHeatmapOptions } from './plot.ts';
export { Table, table, type Cell } from './table.ts';
