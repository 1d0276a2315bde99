// The size guard (src/limits.ts): its closed forms against the real layouts they stand for.
import { describe, expect, it } from 'vitest';
import { CELL_KINDS, charrnn, checkJob, fastModelBytes, gradcheckWork, jobBytes, parameterCount, SizeError } from '../src/index.ts';

describe('limits', () => {
  it('parameterCount is the sum of charrnn.paramShapes', () => {
    for (const kind of CELL_KINDS) {
      for (const [V, H, L] of [
        [1, 1, 1],
        [7, 3, 2],
        [65, 128, 3],
        [30, 17, 4],
      ]) {
        const shapes = charrnn.paramShapes({ kind, vocabSize: V, hiddenSize: H, layers: L });
        expect(parameterCount({ kind, V, H, L })).toBe(shapes.reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0));
      }
    }
  });

  it("jobBytes bounds the fast path's own arena from above, within a factor of 3", () => {
    for (const kind of CELL_KINDS) {
      for (const [V, H, L, T, B] of [
        [10, 8, 1, 4, 2],
        [65, 128, 2, 50, 50],
        [200, 64, 3, 20, 8],
        [5, 300, 1, 1, 1],
      ]) {
        for (const [dtype, bytes] of [
          ['f32', 4],
          ['f64', 8],
        ] as const) {
          for (const [optim, slots] of [
            ['adagrad', 1],
            ['adam', 2],
          ] as const) {
            const arena = fastModelBytes({ config: { kind, vocabSize: V, hiddenSize: H, layers: L }, B, T, optim, dropout: true }, dtype);
            const estimate = jobBytes({ kind, V, H, L, T, B, bytes, slots, tape: false });
            expect(estimate, `${kind} ${V} ${H} ${L} ${T} ${B} ${dtype} ${optim}`).toBeGreaterThanOrEqual(arena);
            expect(estimate).toBeLessThan(3 * arena + 100_000);
          }
        }
      }
    }
  });

  it('refuses with both amounts, without a loop over the layers', () => {
    const job = { kind: 'lstm', V: 65, H: 128, L: 100_000_000, T: 50, B: 50, bytes: 4, slots: 1, tape: false } as const;
    expect(() => checkJob(job, 4e9, 'this run')).toThrow(SizeError);
    expect(() => checkJob(job, 4e9, 'this run')).toThrow(/^this run would need about 2\.\de\+15 bytes of memory, more than the 4\.0 GB this runtime allows/);
    expect(() => checkJob({ ...job, L: 2 }, 4e9, 'this run')).not.toThrow();
    expect(() => checkJob({ ...job, L: 1, H: 1_000_000 }, 1e30, 'wide')).toThrow(/^wide would need one array of 4\.00e\+12 numbers; at most 4294967295 fit/);
  });

  it('gradcheck work: two losses per checked entry plus the gradients, each T·B·P', () => {
    const job = { kind: 'rnn', V: 2, H: 1, L: 1, T: 3, B: 2 } as const; // P = 1·1·1 + 2 + 1·(2) + 2 + 2 = 9
    expect(parameterCount(job)).toBe(9);
    expect(gradcheckWork(9, job)).toBe((2 * 9 + 10) * 3 * 2 * 9);
  });
});
