// The n-gram experiment's error analysis (experiments/lib/ngram-analysis.ts) on hand-made
// probabilities: grouping by the preceding character, bracket distances, errors and the oracle.

import { describe, expect, it } from 'vitest';
import { analyse } from '../../experiments/lib/ngram-analysis.ts';

describe('analyse', () => {
  // text "f(a){b}" : rows k = 0 … 5 predict characters 1 … 6: "(", "a", ")", "{", "b", "}"
  const chars = [...'f(a){b}'];
  const lstm = Float64Array.from([0.9, 0.2, 0.6, 0.4, 0.3, 0.8]);
  // two orders per row: [order 1, order 2]; the compared model is order 2
  const ngram = Float64Array.from([0.1, 0.5, 0.2, 0.7, 0.3, 0.2, 0.6, 0.4, 0.1, 0.1, 0.2, 0.9]);
  const a = analyse(chars, lstm, ngram, 2, 2, 1);

  it('scores both models on every row', () => {
    expect(a.characters).toBe(6);
    expect(a.lstmLoss).toBeCloseTo(-[0.9, 0.2, 0.6, 0.4, 0.3, 0.8].reduce((s, p) => s + Math.log(p), 0) / 6, 12);
    expect(a.ngramLoss).toBeCloseTo(-[0.5, 0.7, 0.2, 0.4, 0.1, 0.9].reduce((s, p) => s + Math.log(p), 0) / 6, 12);
  });

  it('groups rows by the character before the target, letters together', () => {
    // before rows 0 … 5: f, (, a, ), {, b → letters: rows 0, 2, 5
    const letters = a.after.find((r) => r.after === 'a letter')!;
    expect(letters.count).toBe(3);
    expect(letters.lstm).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.8)) / 3, 12);
    expect(a.after.find((r) => r.after === '"{"')).toMatchObject({
      count: 1,
      lstm: expect.closeTo(-Math.log(0.3), 12),
      ngram: expect.closeTo(-Math.log(0.1), 12),
    });
  });

  it('measures closing brackets by distance to the opening one', () => {
    // ")" at 3 closes "(" at 1 (distance 2, row 2); "}" at 6 closes "{" at 4 (distance 2, row 5)
    const b = a.brackets.find((r) => r.from === 1)!;
    expect(b.count).toBe(2);
    expect(b.lstmProb).toBeCloseTo((0.6 + 0.8) / 2, 12);
    expect(b.ngramProb).toBeCloseTo((0.2 + 0.9) / 2, 12);
    expect(a.brackets.filter((r) => r.from > 1).every((r) => r.count === 0)).toBe(true);
  });

  it('counts the LSTM’s errors and those an oracle of orders 1 … 2 removes', () => {
    // LSTM errors (p < 0.5): rows 1, 3, 4. Some order > 0.5: row 1 (0.7), row 3 (0.6); row 4 (0.1, 0.1) stays
    expect(a.errors).toMatchObject({ lstm: 3, removedByOracle: 2, oracleOrders: 2 });
    expect(a.errors.oracleShare).toBeCloseTo(2 / 3, 12);
    // the order-2 model's own errors: rows 2, 3, 4 (0.2, 0.4, 0.1); row 0's 0.5 is not below 0.5
    expect(a.errors.ngramErrors).toBe(3);
  });
});
