import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/engine/tensor.ts';

describe('toBeAllClose', () => {
  it('passes within tolerance and fails outside it, naming the first bad index', () => {
    expect([1, 2, 3]).toBeAllClose([1, 2, 3 + 1e-12]);
    expect(() => expect([1, 2, 3]).toBeAllClose([1, 2.5, 3])).toThrow(/first at index 1: received 2, expected 2.5/);
    expect(() => expect(Tensor.zeros([2, 2])).toBeAllClose(Tensor.zeros([4]))).toThrow(/shapes differ/);
  });
});
