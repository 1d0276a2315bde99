// fastStepper (one character at a time on a kernel set) against charrnn.ts's stepper on the tape's
// ops: the same logits and states over a few steps, for each kind and kernel set.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { fastStepper, fastStepperBytes } from '../../src/fast/stepper.ts';
import { charWellScaledParams } from '../../src/gradcheck/charrnn.ts';
import { CELL_KINDS, type CharRNNConfig, stepper, zeroState } from '../../src/models/charrnn.ts';
import { kernelSets } from './sets.ts';

describe('fastStepper == stepper', () => {
  for (const set of kernelSets()) {
    for (const kind of CELL_KINDS) {
      it(`${set.label}: ${kind}, 2 layers, H 7, V 5, six steps`, () => {
        const config: CharRNNConfig = { kind, vocabSize: 5, hiddenSize: 7, layers: 2 };
        const p = charWellScaledParams(config, new Rng(4));
        const k = set.make(fastStepperBytes(config, 'f64'));
        try {
          const fast = fastStepper(k, p),
            ref = stepper(p);
          const tol = k.dtype === 'f64' ? 1e-13 : 1e-5;
          let sf = zeroState(config, 1),
            sr = zeroState(config, 1);
          for (const x of [0, 3, 1, 4, 4, 2]) {
            const a = fast([x], sf),
              b = ref([x], sr);
            for (let v = 0; v < 5; v++) expect(Math.abs(a.logits[v] - b.logits[v])).toBeLessThan(tol * (1 + Math.abs(b.logits[v])));
            for (let l = 0; l < 2; l++) for (let j = 0; j < 7; j++) expect(Math.abs(a.state.h[l][j] - b.state.h[l][j])).toBeLessThan(tol);
            sf = a.state;
            sr = b.state;
          }
        } finally {
          k.dispose();
        }
      });
    }
  }

  it('refuses an id outside the vocabulary instead of reading another array', () => {
    const config: CharRNNConfig = { kind: 'lstm', vocabSize: 5, hiddenSize: 3, layers: 1 };
    const p = charWellScaledParams(config, new Rng(1));
    for (const set of kernelSets()) {
      const k = set.make(fastStepperBytes(config, 'f64'));
      try {
        const step = fastStepper(k, p);
        for (const bad of [5, -1, 1.5]) expect(() => step([bad], zeroState(config, 1))).toThrow(/out of range/);
      } finally {
        k.dispose();
      }
    }
  });
});
