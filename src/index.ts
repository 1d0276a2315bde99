// The one public entry of rnn-from-scratch. The command line, the notebooks and the web page
// import from here and nowhere else.

// ---- engine: tensors, the tape, primitives, composites -------------------------------------
export * from './engine/index.ts';
export { UserError } from './errors.ts';

// ---- models: the tape-based RNN ----------------------------------------------------------
export { type RNNConfig, type Params, paramShapes, initParams, configOf, inputWeight, rnnLoss, rnnStepper, zeroState } from './models/rnn.ts';

// ---- models: hand-derived backprop, and the two gradient paths (manual models section) -----

// ---- gradient checking (gradcheck section) -----------------------------------------------

// ---- data and checkpoints (data section) --------------------------------------------------

// ---- training and sampling (training section) ----------------------------------------------
export { Adagrad, clipElementwise, type Grads } from './train/optim.ts';
