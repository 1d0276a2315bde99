// The teaching modules, a separate entry of the package (`rnn-from-scratch/lessons`): code written
// to be read beside the notebooks, such as a deliberately wrong backward pass, which has no place
// in the library's main API (src/index.ts).

export * as finiteDifferences from './finite-differences.ts';
export * as gradientFlow from './gradient-flow.ts';
export { type MinCharOptions, type MinCharRun, minCharEvalLoss, sampleMinChar, trainMinChar } from './minchar-train.ts';
export { strongestUnits, unitCorrelations } from './neurons.ts';
export * as plantedBug from './planted-bug.ts';
