// Gradient checking still passes when the hand-derived gradients come from the fast path on the
// WebAssembly float64 kernels: against the tape (1e-9) and central finite differences (1e-6).

import { describe, expect, it } from 'vitest';
import { charGradcheck } from '../../src/gradcheck/charrnn.ts';
import { CELL_KINDS } from '../../src/models/charrnn.ts';
import { wasmSupport } from './sets.ts';

const TEXT = 'First Citizen:\nBefore we proceed any further, hear me speak.\nAll: Speak, speak.';

describe.skipIf(!wasmSupport.ok)('gradcheck with --kernels wasm', () => {
  for (const kind of CELL_KINDS) {
    it(`${kind}: 2 layers, dropout, B 3 — every parameter passes`, () => {
      const r = charGradcheck({ kind, layers: 2, hidden: 7, text: TEXT, seqLength: 6, batch: 3, dropout: 0.3, seed: 3, kernels: 'wasm' });
      expect(r.rows.length).toBe(10);
      for (const row of r.rows) expect(row, row.name).toMatchObject({ pass: true });
    });
  }
});
