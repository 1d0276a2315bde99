// Optimizers (one table, OPTIM_RULES), clipping on Tensors (the helpers are clip.ts) and char-rnn's
// learning-rate schedule. The readable optimizers change the parameters' Float64Array data in place,
// entry by entry, in float64; the fast path runs the same rules on its kernel set (src/fast/update.ts).
//
// Notation, per parameter entry: θ the weight, g its gradient, lr the learning rate of this step,
// t = 1, 2, … the step number. Every optimizer keeps "slots": arrays shaped like the parameter,
// starting at zero, that carry its memory from step to step.
//
//   adagrad  (min-char-rnn)           mem += g²;                       θ −= lr·g / √(mem + ε)
//   rmsprop  (char-rnn, PyTorch)      sq = α·sq + (1 − α)·g²;          θ −= lr·g / (√sq + ε)
//   adam     (PyTorch, bias-corrected) m = β₁·m + (1 − β₁)·g;  v = β₂·v + (1 − β₂)·g²
//                                      θ −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// NOTE: adagrad's ε sits inside the root, as in min-char-rnn; torch.optim.Adagrad puts it outside,
// θ −= lr·g/(√mem + ε). The two agree for ε = 0 and differ only for gradients near √ε = 1e-4.
// rmsprop is torch7's optim.rmsprop (what char-rnn calls, α = 0.95) and torch.optim.RMSprop
// without momentum or centring; adam is torch.optim.Adam without weight decay or amsgrad, with
// the operations in the same order as PyTorch's (ε added after dividing √v by √(1 − β₂ᵗ)).

import type { Tensor } from '../engine/tensor.ts';
import { clip, preview, UserError } from '../errors.ts';
import { arraysFinite, arraysNorm, clipArraysElementwise, clipArraysNorm } from './clip.ts';
import { type FloatArray, heapMemory, type VectorMemory, type VectorOps } from './vector.ts';

export type Grads = Record<string, Tensor>;

export type OptimName = 'adagrad' | 'rmsprop' | 'adam';

/** Per-optimizer hyperparameters other than the learning rate, with char-rnn's/PyTorch's defaults. */
export const OPTIM_DEFAULTS = {
  adagrad: { eps: 1e-8 },
  rmsprop: { alpha: 0.95, eps: 1e-8 },
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
} as const satisfies { [N in OptimName]: Record<string, number> };

/** Everything needed to continue exactly: slots[slotName][paramName], e.g. adam: { m: {…}, v: {…} }. */
export interface OptimizerState {
  name: OptimName;
  hyper: Record<string, number>;
  steps: number;
  slots: Record<string, Record<string, Float64Array>>;
}

export interface Optimizer {
  readonly name: OptimName;
  readonly hyper: Readonly<Record<string, number>>;
  /** One update of `params` (data changed in place) with learning rate lr (the schedule lives in the trainer). */
  step(params: Record<string, Tensor>, grads: Grads, lr: number): void;
  /** A deep copy of everything needed to continue exactly (for checkpoints); the copies are on the JavaScript heap. */
  state(): OptimizerState;
  /**
   * Keeps the slots in `memory` from now on (copying those there are) and updates with its loops:
   * the tape on the WebAssembly kernels moves them next to the parameters. The JavaScript heap
   * (`heapMemory`) until then.
   */
  moveTo(memory: VectorMemory): void;
}

/**
 * One optimizer's update of one parameter, on a set of vector operations (float64 loops here, a
 * kernel set on the fast path): w (the weights), g (the gradient) and its slots, all of length n;
 * h the hyperparameters; t the step number (1 for the first step).
 */
type Update = (ops: VectorOps, w: FloatArray, g: FloatArray, s: FloatArray[], h: Readonly<Record<string, number>>, lr: number, t: number) => void;

export interface OptimRule {
  /** Slot names, in the order `update` receives them (checkpoints store them as optim.<slot>.<param>). */
  slots: readonly string[];
  /** The slots that hold (averages of) squares, so can never be negative: a restored one that is would put NaN in the next step. */
  squares: readonly string[];
  /** Which hyperparameters take which values (each is also checked to be finite). */
  check: Record<string, (x: number) => boolean>;
  update: Update;
}

const nonNegative = (x: number) => x >= 0;
const fraction = (x: number) => x >= 0 && x < 1; // [0, 1)

/**
 * THE table of optimizers: their slots, hyperparameter checks and update rule. The readable
 * optimizers, the fast path and the checkpoint reader all take their knowledge from here; a
 * missing entry is a compile error.
 */
export const OPTIM_RULES: { readonly [N in OptimName]: OptimRule } = {
  adagrad: {
    slots: ['mem'],
    squares: ['mem'],
    check: { eps: nonNegative },
    update: (ops, w, g, [mem], { eps }, lr) => ops.adagrad(w, g, mem, w.length, lr, eps),
  },
  rmsprop: {
    slots: ['sq'],
    squares: ['sq'],
    check: { alpha: fraction, eps: nonNegative },
    update: (ops, w, g, [sq], { alpha, eps }, lr) => ops.rmsprop(w, g, sq, w.length, lr, alpha, eps),
  },
  adam: {
    slots: ['m', 'v'],
    squares: ['v'],
    check: { beta1: fraction, beta2: fraction, eps: nonNegative },
    update(ops, w, g, [m, v], { beta1, beta2, eps }, lr, t) {
      const stepSize = lr / (1 - beta1 ** t); // lr / bias correction of m
      const root2 = Math.sqrt(1 - beta2 ** t); // √(bias correction of v)
      ops.adam(w, g, m, v, w.length, stepSize, root2, beta1, beta2, eps);
    },
  },
};

/** The optimizers' names: adagrad, rmsprop, adam. */
export const OPTIMIZERS = Object.keys(OPTIM_RULES) as readonly OptimName[];

/** The slot names of an optimizer (adam: m, v). */
export const optimSlots = (name: OptimName): readonly string[] => OPTIM_RULES[name].slots;

function checkName(name: unknown): OptimName {
  if (typeof name !== 'string' || !(OPTIMIZERS as readonly string[]).includes(name)) {
    throw new UserError(`unknown optimizer ${preview(name)} (expected one of ${OPTIMIZERS.join(', ')})`);
  }
  return name as OptimName;
}

/** The defaults overridden by `given`; with `complete`, every hyperparameter must be given (a restored state). */
function checkHyper(name: OptimName, given: Partial<Record<string, number>>, complete: boolean): Record<string, number> {
  const { check } = OPTIM_RULES[name];
  const out: Record<string, number> = { ...OPTIM_DEFAULTS[name] };
  for (const [k, x] of Object.entries(given)) {
    if (x === undefined && !complete) continue;
    if (!Object.hasOwn(check, k)) throw new UserError(`${name} has no hyperparameter "${clip(k)}" (it takes ${Object.keys(check).join(', ')})`);
    if (typeof x !== 'number' || !Number.isFinite(x) || !check[k](x)) {
      throw new UserError(`${name} ${k} must be ${k === 'eps' ? 'a non-negative number' : 'in [0, 1)'}, got ${preview(x)}`);
    }
    out[k] = x;
  }
  if (complete) {
    const missing = Object.keys(check).filter((k) => !(k in given));
    if (missing.length > 0) throw new UserError(`${name} state lacks hyperparameter(s) ${missing.join(', ')}`);
  }
  return out;
}

/**
 * The optimizers behind makeOptimizer. Slots are created (zero) for a parameter at its first step.
 * NOTE: adam's bias correction counts this optimizer's steps, not each parameter's (PyTorch counts
 * per parameter); the two agree because every step updates every parameter.
 */
class SlotOptimizer implements Optimizer {
  readonly name: OptimName;
  readonly hyper: Readonly<Record<string, number>>;
  protected steps: number;
  protected readonly slots: Record<string, Record<string, Float64Array>>;
  private readonly rule: OptimRule;
  private memory: VectorMemory = heapMemory;

  constructor(name: OptimName, hyper: Record<string, number>, steps = 0, slots?: Record<string, Record<string, Float64Array>>) {
    this.name = name;
    this.rule = OPTIM_RULES[name];
    this.hyper = Object.freeze({ ...hyper });
    this.steps = steps;
    this.slots = slots ?? Object.fromEntries(this.rule.slots.map((s) => [s, {}]));
  }

  step(params: Record<string, Tensor>, grads: Grads, lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`${this.name}: learning rate must be a non-negative number, got ${lr}`);
    const t = this.steps + 1;
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name];
      if (!g) throw new Error(`${this.name}: no gradient for parameter "${name}"`);
      if (g.data.length !== p.data.length) throw new Error(`${this.name}: gradient of "${name}" has ${g.data.length} entries, the parameter ${p.data.length}`);
      const s = this.rule.slots.map((slot) => {
        const a = (this.slots[slot][name] ??= this.memory.alloc(p.data.length));
        if (a.length !== p.data.length) throw new Error(`${this.name}: slot ${slot} of "${name}" has ${a.length} entries, the parameter ${p.data.length}`);
        return a;
      });
      this.rule.update(this.memory.ops, p.data, g.data, s, this.hyper, lr, t);
    }
    this.steps = t;
  }

  moveTo(memory: VectorMemory): void {
    for (const byParam of Object.values(this.slots)) {
      for (const [name, a] of Object.entries(byParam)) {
        const b = memory.alloc(a.length);
        b.set(a);
        byParam[name] = b;
      }
    }
    this.memory = memory;
  }

  state(): OptimizerState {
    return { name: this.name, hyper: { ...this.hyper }, steps: this.steps, slots: copySlots(this.slots) };
  }
}

function copySlots(slots: Record<string, Record<string, Float64Array>>): Record<string, Record<string, Float64Array>> {
  const out: Record<string, Record<string, Float64Array>> = {};
  for (const [slot, byParam] of Object.entries(slots)) {
    out[slot] = {};
    for (const [name, a] of Object.entries(byParam)) out[slot][name] = a.slice();
  }
  return out;
}

/**
 * min-char-rnn's Adagrad with its learning rate fixed at construction (`step(params, grads)`), as
 * the min-char trainer uses it; `mem` is its one slot, by parameter name. makeOptimizer('adagrad')
 * returns one of these.
 */
export class Adagrad extends SlotOptimizer {
  /** `restored`: the step count and memory of a saved state (restoreOptimizer), taken over as they are. */
  constructor(
    public lr = 0.1,
    eps: number = OPTIM_DEFAULTS.adagrad.eps,
    restored?: { steps: number; mem: Record<string, Float64Array> },
  ) {
    super('adagrad', checkHyper('adagrad', { eps }, false), restored?.steps ?? 0, restored && { mem: restored.mem });
  }

  get eps(): number {
    return this.hyper.eps;
  }

  /** Sum of squared gradients per parameter name. */
  get mem(): Record<string, Float64Array> {
    return this.slots.mem;
  }

  override step(params: Record<string, Tensor>, grads: Grads, lr: number = this.lr): void {
    super.step(params, grads, lr);
  }
}

export function makeOptimizer(name: OptimName, hyper: Partial<Record<string, number>> = {}): Optimizer {
  const n = checkName(name);
  const h = checkHyper(n, hyper, false);
  return n === 'adagrad' ? new Adagrad(0.1, h.eps) : new SlotOptimizer(n, h);
}

/**
 * The optimizer a state() came from, continuing bit for bit. Checks the name, hyperparameters,
 * step count and slots (UserError); whether the slots fit the model's parameters is the caller's
 * check (step() also refuses a slot whose length differs from its parameter's).
 */
export function restoreOptimizer(state: OptimizerState): Optimizer {
  const name = checkName(state?.name);
  const hyper = checkHyper(name, state.hyper ?? {}, true);
  if (!Number.isSafeInteger(state.steps) || state.steps < 0)
    throw new UserError(`${name} state: step count must be a non-negative integer, got ${preview(state.steps)}`);
  const { slots, squares: squareSlots } = OPTIM_RULES[name];
  const given = state.slots ?? {};
  for (const slot of Object.keys(given))
    if (!slots.includes(slot)) throw new UserError(`${name} state has an unknown slot "${clip(slot)}" (expected ${slots.join(', ')})`);
  const names = Object.keys(given[slots[0]] ?? {})
    .sort()
    .join(', ');
  for (const slot of slots) {
    const byParam = given[slot];
    if (!byParam) throw new UserError(`${name} state lacks slot "${slot}"`);
    if (Object.keys(byParam).sort().join(', ') !== names) throw new UserError(`${name} state: slots ${slots.join(' and ')} cover different parameters`);
    for (const [param, a] of Object.entries(byParam)) {
      if (!(a instanceof Float64Array)) throw new UserError(`${name} state: slot ${slot} of "${param}" is not a Float64Array`);
      if (a.length !== given[slots[0]][param].length) throw new UserError(`${name} state: slots of "${param}" differ in length`);
      const squares = squareSlots.includes(slot);
      for (let i = 0; i < a.length; i++) {
        if (!Number.isFinite(a[i]) || (squares && a[i] < 0))
          throw new UserError(`${name} state: slot ${slot} of "${param}" has an invalid entry ${a[i]} at ${i}`);
      }
    }
  }
  const copy = copySlots(Object.fromEntries(slots.map((s) => [s, given[s]])));
  if (name === 'adagrad') return new Adagrad(0.1, hyper.eps, { steps: state.steps, mem: copy.mem });
  return new SlotOptimizer(name, hyper, state.steps, copy);
}

// The clipping and finiteness helpers (clip.ts) on a Record of Tensors, as the notebooks and the
// min-char trainer call them.
const arrays = (grads: Grads): Float64Array[] => Object.values(grads).map((g) => g.data);

/** Clips each gradient entry to [−c, c] in place (min-char-rnn's cure for exploding gradients); returns how many entries were cut. */
export const clipElementwise = (grads: Grads, c: number): number => clipArraysElementwise(arrays(grads), c);

/** torch.nn.utils.clip_grad_norm_ in place (see clipArraysNorm); returns the norm before clipping. */
export const clipGlobalNorm = (grads: Grads, maxNorm: number): number => clipArraysNorm(arrays(grads), maxNorm);

/** ‖g‖ = √(Σ g²) over all gradient entries together (NaN or ∞ when an entry is). */
export const globalNorm = (grads: Grads): number => arraysNorm(arrays(grads));

/** True when no gradient entry is NaN or ±∞. */
export const allFinite = (grads: Grads): boolean => arraysFinite(arrays(grads));

/** char-rnn's schedule: decay 0.97, decayAfter 10. */
export interface LrSchedule {
  lr: number;
  decay: number;
  decayAfter: number;
}

/**
 * The learning rate during epoch `epoch` (0-based: the number of epochs completed so far).
 * char-rnn multiplies the rate by `decay` at the end of each epoch e = 1, 2, … with e ≥ decayAfter,
 * so by then it has decayed n = #{e ∈ 1..epoch : e ≥ decayAfter} = max(0, epoch − max(decayAfter, 1) + 1)
 * times: lr·decayⁿ. decay 1 keeps the rate constant.
 */
export function learningRate(s: LrSchedule, epoch: number): number {
  if (!(Number.isFinite(s.lr) && s.lr > 0)) throw new UserError(`learning rate must be a positive number, got ${s.lr}`);
  if (!(Number.isFinite(s.decay) && s.decay > 0 && s.decay <= 1)) throw new UserError(`learning-rate decay must be in (0, 1], got ${s.decay}`);
  if (!(Number.isSafeInteger(s.decayAfter) && s.decayAfter >= 0))
    throw new UserError(`decay-after must be a non-negative integer (epochs), got ${s.decayAfter}`);
  if (!(Number.isSafeInteger(epoch) && epoch >= 0)) throw new Error(`learningRate: epoch must be a non-negative integer, got ${epoch}`);
  const n = Math.max(0, epoch - Math.max(s.decayAfter, 1) + 1);
  return n === 0 ? s.lr : s.lr * s.decay ** n;
}
