// The training loss as it is shown while training runs (`rnn train`'s progress line, `rnn plot`'s
// training curve, the web page): the losses of single steps jump around, so the value shown is a
// smoothed one, and it must not lag behind a loss that is still falling, as a trailing average does.

/** How many consecutive losses the smoothed loss fits its line to: 25 on either side of an iteration. */
export const SMOOTH_WINDOW = 51;

/**
 * The smoothed loss at index `i` of `losses` (one per iteration): the value at `i` of the straight
 * line fitted by least squares to `window` consecutive losses around it, centred on `i` where the
 * data allow and otherwise shifted to lie inside them (all of them while there are fewer). In the
 * middle of the data that is the window's mean; at the newest iteration it is the end of the line
 * through the latest losses. A straight trend comes back exactly, so it does not lag behind a
 * falling loss, where any trailing average does: an exponential one with β = 0.98, bias-corrected
 * or not, trails a steady fall by about 1 / (1 − β) − 1 = 49 iterations.
 */
export function smoothedLoss(losses: ArrayLike<number>, i: number, window = SMOOTH_WINDOW): number {
  const n = losses.length;
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`no loss at index ${i} of ${n}`);
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`the window must be a positive integer, got ${window}`);
  const half = Math.floor(window / 2);
  const a = n <= window ? 0 : Math.max(0, Math.min(i - half, n - window)),
    b = Math.min(n, a + window), // the window is [a, b)
    m = b - a,
    c = (a + b - 1) / 2; // its centre: x is measured from it, so that x̄ = 0
  let sy = 0,
    sxy = 0;
  for (let k = a; k < b; k++) {
    sy += losses[k];
    sxy += (k - c) * losses[k];
  }
  const sxx = (m * (m * m - 1)) / 12; // Σ (k − c)² over m consecutive integers
  return sxx === 0 ? sy / m : sy / m + (sxy / sxx) * (i - c);
}
