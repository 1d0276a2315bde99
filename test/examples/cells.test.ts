// Every cell registered in examples/cells (EXAMPLE_CELLS), on random shapes and seeds, three ways:
// its hand-derived forward against its tape forward; its hand-derived gradients against the tape's
// (tight); and both against central finite differences in float64 (compareGradients). The loss
// is a probe, Σ_t Σ R_t ⊙ h_t with random R_t, so every step and every unit gets its own
// non-trivial upstream gradient. A cell added to the registry is covered with nothing to write here,
// on the WebAssembly tape backend too (src/fast/tape.ts): the same loss and gradients as on the
// TypeScript kernels, to float64 rounding.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CellArrays, type CellParams, EXAMPLE_CELLS, type ExampleCell, type Sizes } from '../../examples/cells/index.ts';
import { add, compareGradients, mul, Rng, sum, TapeRunner, Tensor, valueAndGrad, wasmAvailable } from '../../src/index.ts';

const shapes = fc.record({
  B: fc.integer({ min: 1, max: 3 }),
  T: fc.integer({ min: 1, max: 4 }),
  D: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

interface Case {
  n: Sizes;
  p: CellParams & { h0: Tensor }; // h0 is checked like a parameter: its gradient is the cell's dh0
  xs: Float64Array[];
  R: Float64Array[];
}

/** Weights of std 0.5/√fan-in, so the gates sit in their curved middle, away from saturation. */
function makeCase(cell: ExampleCell, { B, T, D, H, seed }: Sizes & { seed: number }): Case {
  const rng = new Rng(seed);
  const G = cell.gates;
  const p = {
    Wih: Tensor.randn([G * H, D], rng, 0.5 / Math.sqrt(D)),
    Whh: Tensor.randn([G * H, H], rng, 0.5 / Math.sqrt(H)),
    bih: Tensor.randn([G * H], rng, 0.1),
    bhh: Tensor.randn([G * H], rng, 0.1),
    h0: Tensor.randn([B, H], rng, 0.5),
  };
  const draw = (n: number) => Array.from({ length: T }, () => Tensor.randn([n], rng).data);
  return { n: { B, T, D, H }, p, xs: draw(B * D), R: draw(B * H) };
}

/** The probe loss on the tape: Σ_t Σ R_t ⊙ h_t, with h_t from the cell's tape step. */
function tapeLoss(cell: ExampleCell, c: Case, p: CellParams): Tensor {
  const { B, D, H } = c.n;
  let h = p.h0,
    loss: Tensor = Tensor.scalar(0);
  c.xs.forEach((x, t) => {
    h = cell.step(new Tensor(x, [B, D]), h, p);
    loss = add(loss, sum(mul(h, new Tensor(c.R[t], [B, H]))));
  });
  return loss;
}

const arrays = (p: CellParams): CellArrays => ({ Wih: p.Wih.data, Whh: p.Whh.data, bih: p.bih.data, bhh: p.bhh.data });

/** The hand-derived side: the probe loss, and its gradients from the cell's backward given dh_t = R_t. */
function manualSide(cell: ExampleCell, c: Case, p: CellParams, dhs = c.R) {
  const { hs, cache } = cell.manual.forward(arrays(p), c.xs, p.h0.data, c.n);
  let loss = 0;
  hs.forEach((h, t) => {
    for (let i = 0; i < h.length; i++) loss += c.R[t][i] * h[i];
  });
  const { grads, dh0 } = cell.manual.backward(cache, dhs);
  const asTensors: Record<string, Tensor> = { h0: new Tensor(dh0, p.h0.shape) };
  for (const [k, v] of Object.entries(grads)) asTensors[k] = new Tensor(v, p[k].shape);
  return { hs, loss, grads: asTensors };
}

describe.each(EXAMPLE_CELLS.map((cell) => [cell.name, cell] as const))('example cell %s', (_, cell) => {
  it('hand-derived forward = tape forward, and gradients: manual = tape = central differences', () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const c = makeCase(cell, s);
        const { value, grads: tape } = valueAndGrad((q: CellParams) => tapeLoss(cell, c, q))(c.p);
        const manual = manualSide(cell, c, c.p);
        expect(manual.loss).toBeAllClose(value, { rtol: 1e-12, atol: 1e-12 });
        const rows = compareGradients((q) => tapeLoss(cell, c, q as CellParams).item(), c.p, tape, manual.grads);
        const bad = rows.filter((r) => !r.pass);
        expect(bad, `failing rows: ${JSON.stringify(bad)}`).toEqual([]);
        expect(rows.map((r) => r.name).sort()).toEqual(['Whh', 'Wih', 'bhh', 'bih', 'h0']);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 25) },
    );
  });

  it('the check catches a backward that drops the loss at every step but the last', () => {
    // A real bug class: adding only the final step's ∂loss/∂h_T and forgetting the others.
    const c = makeCase(cell, { B: 2, T: 3, D: 3, H: 3, seed: 11 });
    const { grads: tape } = valueAndGrad((q: CellParams) => tapeLoss(cell, c, q))(c.p);
    const lastOnly = c.R.map((r, t) => (t === c.R.length - 1 ? r : new Float64Array(r.length)));
    const manual = manualSide(cell, c, c.p, lastOnly);
    const rows = compareGradients((q) => tapeLoss(cell, c, q as CellParams).item(), c.p, tape, manual.grads);
    expect(rows.some((r) => !r.pass)).toBe(true);
  });
});

describe.runIf(wasmAvailable().ok).each(EXAMPLE_CELLS.map((cell) => [cell.name, cell] as const))(
  'example cell %s on the WebAssembly tape backend',
  (_, cell) => {
    it('the same loss and gradients as the tape on the TypeScript kernels (float64 rounding), with no code of its own', () => {
      fc.assert(
        fc.property(shapes, (s) => {
          const c = makeCase(cell, s);
          const ts = valueAndGrad((q: CellParams) => tapeLoss(cell, c, q))(c.p);
          const runner = new TapeRunner(c.p, 1, 1 << 16);
          try {
            const wasm = runner.run((q) => valueAndGrad((r: CellParams) => tapeLoss(cell, c, r))(q as CellParams));
            expect(wasm.value).toBeAllClose(ts.value, { rtol: 1e-12, atol: 1e-12 });
            for (const k of Object.keys(c.p)) {
              expect(wasm.grads[k].backend, k).toBe(runner.backend);
              expect(wasm.grads[k]).toBeAllClose(ts.grads[k], { rtol: 1e-12, atol: 1e-12 });
            }
          } finally {
            runner.dispose();
          }
        }),
        { numRuns: Number(process.env.FC_RUNS ?? 25) },
      );
    });
  },
);

it('the registry holds the worked example', () => {
  expect(EXAMPLE_CELLS.map((c) => c.name)).toContain('mgu');
});
