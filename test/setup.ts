// One matcher for numeric arrays: toBeAllClose(expected, { rtol, atol }).
// Passes when |a − e| ≤ atol + rtol·|e| everywhere; on failure it reports the shapes, the first
// bad index with both values, and the largest difference.
import { expect } from 'vitest';
import { Tensor } from '../src/engine/tensor.ts';

type Numeric = Tensor | ArrayLike<number> | number;

function flat(x: Numeric): { data: ArrayLike<number>; shape: readonly number[] } {
  if (x instanceof Tensor) return { data: x.data, shape: x.shape };
  if (typeof x === 'number') return { data: [x], shape: [] };
  return { data: x, shape: [x.length] };
}

expect.extend({
  toBeAllClose(received: Numeric, expected: Numeric, opts: { rtol?: number; atol?: number } = {}) {
    const rtol = opts.rtol ?? 1e-7,
      atol = opts.atol ?? 1e-10;
    const a = flat(received),
      e = flat(expected);
    // Two tensors must agree in shape; a plain array is compared by its flat contents.
    const bothTensors = received instanceof Tensor && expected instanceof Tensor;
    const sameDims = a.shape.length === e.shape.length && a.shape.every((d, i) => d === e.shape[i]);
    const shapeOk = a.data.length === e.data.length && (!bothTensors || sameDims);
    if (!shapeOk) {
      return { pass: false, message: () => `shapes differ: received [${a.shape.join(', ')}], expected [${e.shape.join(', ')}]` };
    }
    let firstBad = -1,
      maxDiff = 0,
      maxAt = -1;
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i] - e.data[i]);
      const bad = !(d <= atol + rtol * Math.abs(e.data[i])) && !(Number.isNaN(a.data[i]) && Number.isNaN(e.data[i]));
      if (bad && firstBad < 0) firstBad = i;
      if (d > maxDiff || Number.isNaN(d)) {
        maxDiff = d;
        maxAt = i;
      }
    }
    const pass = firstBad < 0;
    return {
      pass,
      message: () =>
        pass
          ? `expected arrays of shape [${a.shape.join(', ')}] not to be all close (max |diff| ${maxDiff} at ${maxAt})`
          : `arrays of shape [${a.shape.join(', ')}] differ (rtol ${rtol}, atol ${atol}): first at index ${firstBad}: ` +
            `received ${a.data[firstBad]}, expected ${e.data[firstBad]}; max |diff| ${maxDiff} at index ${maxAt}`,
    };
  },
});

interface AllCloseMatchers<R = unknown> {
  toBeAllClose(expected: Numeric, opts?: { rtol?: number; atol?: number }): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends AllCloseMatchers<T> {}
}
