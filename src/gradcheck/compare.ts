// Gradient checking: three gradients of one chunk's loss, compared parameter by parameter. This file
// is the comparison, for any scalar loss; minchar.ts and charrnn.ts apply it to the two model families.
//   tape    — autodiff through the engine's tape: rnn.ts (the post's min-char-rnn family,
//             `gradcheck`) or charrnn.ts (char-rnn's RNN, LSTM and GRU, `charGradcheck`)
//   manual  — the hand-derived backward passes (src/models/*.manual.ts)
//   numeric — central finite differences, (f(θ + h) − f(θ − h)) / 2h, entry by entry, in float64
// Tape and manual are two derivations of the exact same numbers, so they must agree to rounding
// (1e-9 relative). The numeric gradient has truncation error O(h²) and rounding error
// O(ε·|f| / h), so it is held to 1e-6 at h = 1e-5.
// All three are UNCLIPPED: min-char-rnn clips to ±5 before its check, which would hide a large
// wrong gradient behind a correct-looking 5.

import { Rng } from '../engine/random.ts';
import type { Tensor } from '../engine/tensor.ts';

type Params = Record<string, Tensor>;

export const THRESHOLDS = { tapeVsManual: 1e-9, vsNumeric: 1e-6 } as const;

/**
 * The noise of each comparison: absolute differences of this size mean nothing.
 * NOTE: tape vs manual: a gradient entry that is tiny through cancellation (say 1e-8, a sum of
 * terms of order 1) carries rounding noise ~1e-16 in both, summed in different orders, so their
 * relative difference can reach 1e-8 with nothing wrong. The floor is 1e-12.
 * NOTE: vs numeric: f(θ ± h) are each rounded to about ε·|f|, so (f₊ − f₋)/2h carries an
 * absolute error of order ε·|f|/h: about 5e-10 for a loss of 23 at h = 1e-5 (measured: at most
 * 2.2× ε·|f|/h over 13,000 entries of random models with L ≤ 4, H ≤ 12, T ≤ 25). The floor is
 * numericRoundingFactor times that. An entry below ~5e-4 would show a relative error above 1e-6
 * from this noise alone.
 * NOTE: for a loss that adds up many per-prediction terms (char-rnn's mean over T·B), the rounding
 * of that running sum grows like √(terms): measured max |a − n| / (ε·|f|/h), with correct
 * gradients, of 1.3–1.6 at 25–30 terms, 3.7–3.9 at 250 and 10–14 at 2,500 (LSTM and GRU, 100–300
 * entries each; H = 10 or 128 at 30 terms made no difference). So the floor is scaled by √(terms/25) above the 25 terms
 * the factor was measured at; the post's min-char check (T ≤ 25 in the measurement) passes no
 * count and keeps the plain floor.
 * How the floors are used: see entryError.
 */
export const NOISE = { tapeVsManualAbs: 1e-12, numericRoundingFactor: 8, termsMeasured: 25 } as const;

/**
 * The absolute noise floor of a central difference of a function of size |f| with step h, the
 * function being a sum (or mean) of `terms` separately rounded parts.
 */
export function numericNoiseFloor(f: number, h: number, terms = 1): number {
  const sumGrowth = Math.sqrt(Math.max(1, terms / NOISE.termsMeasured));
  return (NOISE.numericRoundingFactor * Number.EPSILON * Math.max(Math.abs(f), 1) * sumGrowth) / h;
}

/**
 * The error of one entry, to be compared with `threshold`: |a − b| / max(|a|, |b|, floor/threshold).
 * Where max(|a|, |b|) ≥ floor/threshold (the entry is large enough for a relative error to be
 * resolved above the noise) this is exactly relativeError(a, b). Below that it is the absolute
 * difference measured against the floor: the entry passes iff |a − b| ≤ floor. The two rules meet
 * at the boundary, so one number per entry decides, and a wrong gradient of any size that matters
 * is still caught (a tiny entry can only be checked absolutely, to the floor).
 */
function entryError(a: number, b: number, floor: number, threshold: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor / threshold);
}

export interface GradcheckRow {
  name: string;
  shape: number[];
  checked: number; // entries compared with finite differences (tape vs manual always compares all)
  maxAbsTapeManual: number; // max |tape − manual| over all entries
  maxRelTapeManual: number; // max entryError tape vs manual over all entries (the relative error where resolvable)
  maxRelNumeric: number; // max entryError of tape and of manual vs numeric, over the checked entries
  pass: boolean;
}

/**
 * |a − b| / max(|a|, |b|, 1e-12): symmetric, 0 exactly when a = b, at most 1 when a and b have
 * the same sign and at most 2 always.
 * NOTE: cs231n/min-char-rnn use |a − n| / |a + n|. That denominator vanishes when a ≈ −n (a sign
 * error, the very bug to catch, gives a huge or infinite number rather than a clear 2) and when
 * both are zero (0/0 = NaN for an entry that is exactly right, e.g. an unused column of Wxh).
 * Taking the larger magnitude keeps the denominator away from zero; the 1e-12 only guards 0/0.
 * For same-sign values the two differ by at most a factor of 2.
 */
export function relativeError(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

/**
 * The core of gradcheck, for any scalar loss: compare two analytic gradients of `loss` at `p`
 * with each other (every entry) and with central finite differences (all entries, or `samples`
 * random ones per parameter drawn from `rng`). `p` is not changed (a copy is perturbed).
 * `terms`: how many per-prediction losses `loss` adds up (see NOISE); default 1.
 * Exposed so that tests can feed in a deliberately wrong gradient and see the row fail.
 */
export function compareGradients(
  loss: (p: Params) => number,
  p: Params,
  tape: Params,
  manual: Params,
  opts: { step?: number; samples?: number; rng?: Rng; terms?: number } = {},
): GradcheckRow[] {
  const h = opts.step ?? 1e-5,
    samples = opts.samples ?? 0,
    rng = opts.rng ?? new Rng(0);
  if (!(h > 0)) throw new Error(`compareGradients: step must be positive, got ${h}`);
  const q: Params = {};
  for (const [k, v] of Object.entries(p)) q[k] = v.clone();
  const floor = numericNoiseFloor(loss(q), h, opts.terms);
  const rows: GradcheckRow[] = [];
  for (const [name, theta] of Object.entries(q)) {
    const a = tape[name]?.data,
      m = manual[name]?.data,
      n = theta.data.length;
    if (!a || !m || a.length !== n || m.length !== n) throw new Error(`compareGradients: gradient ${name} is missing or has the wrong size`);

    let maxAbsTapeManual = 0,
      maxRelTapeManual = 0;
    for (let i = 0; i < n; i++) {
      maxAbsTapeManual = nanMax(maxAbsTapeManual, Math.abs(a[i] - m[i]));
      maxRelTapeManual = nanMax(maxRelTapeManual, entryError(a[i], m[i], NOISE.tapeVsManualAbs, THRESHOLDS.tapeVsManual));
    }

    let maxRelNumeric = 0;
    const entries = pickEntries(n, samples, rng);
    for (const i of entries) {
      const old = theta.data[i];
      theta.data[i] = old + h;
      const fPlus = loss(q);
      theta.data[i] = old - h;
      const fMinus = loss(q);
      theta.data[i] = old;
      const numeric = (fPlus - fMinus) / (2 * h);
      maxRelNumeric = nanMax(maxRelNumeric, entryError(a[i], numeric, floor, THRESHOLDS.vsNumeric), entryError(m[i], numeric, floor, THRESHOLDS.vsNumeric));
    }

    const pass = maxRelTapeManual <= THRESHOLDS.tapeVsManual && maxRelNumeric <= THRESHOLDS.vsNumeric;
    rows.push({ name, shape: [...theta.shape], checked: entries.length, maxAbsTapeManual, maxRelTapeManual, maxRelNumeric, pass });
  }
  return rows;
}

/** Math.max that lets a NaN through (so a NaN gradient fails instead of vanishing). */
function nanMax(...xs: number[]): number {
  let r = -Infinity;
  for (const x of xs) if (Number.isNaN(x) || x > r) r = x;
  return r;
}

/** All indices 0…n−1, or k distinct random ones (a partial Fisher–Yates shuffle), ascending. */
function pickEntries(n: number, k: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (!(k > 0) || k >= n) return all;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, k).sort((x, y) => x - y);
}

/** An aligned plain-text table, one row per parameter. */
export function formatGradcheckTable(rows: GradcheckRow[]): string {
  const e = (x: number): string => (x === 0 ? '0' : x.toExponential(2));
  const header = ['parameter', 'shape', 'checked', 'max |tape−manual|', 'rel tape/manual', 'rel vs numeric', 'result'];
  const body = rows.map((r) => [
    r.name,
    `[${r.shape.join(', ')}]`,
    String(r.checked),
    e(r.maxAbsTapeManual),
    e(r.maxRelTapeManual),
    e(r.maxRelNumeric),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
