// The web page's pure logic (web/helpers.ts): field ranges, batch and seq fitted to a short text
// (checked against the trainer itself), the page's size limits, the bias-corrected average of the
// loss, and checkpoint errors in plain words.

import { describe, expect, it } from 'vitest';
import { charrnn, decodeCheckpoint, encodeCheckpoint, encodeSafetensors, estimateRun, Rng, Trainer, UserError, Vocab } from '../src/index.ts';
import { checkPageSize, FIELDS, fitToText, plainCheckpointError, readField, SMOOTH_WINDOW, smoothedLoss, trainingChars } from '../web/helpers.ts';

describe('readField', () => {
  it('takes values inside the range and names the field and range otherwise', () => {
    expect(readField(FIELDS.hidden, '128')).toBe(128);
    expect(readField(FIELDS.temperature, ' 0.8 ')).toBe(0.8);
    expect(() => readField(FIELDS.hidden, '100000')).toThrow('hidden units must be a whole number from 1 to 512 (it is "100000")');
    expect(() => readField(FIELDS.temperature, '5')).toThrow('temperature must be a number from 0.05 to 3 (it is "5")');
    expect(() => readField(FIELDS.layers, '2.5')).toThrow(/^layers must be a whole number from 1 to 4/);
    expect(() => readField(FIELDS.lr, '0')).toThrow('learning rate must be a number above 0, at most 1 (it is "0")');
    expect(() => readField(FIELDS.batch, '')).toThrow('batch must be a whole number from 1 to 200 (it is empty)');
    expect(() => readField(FIELDS['sample-length'], 'abc')).toThrow(UserError);
  });
});

describe('fitToText', () => {
  it('leaves batch and seq alone when the text holds them', () => {
    expect(fitToText(3000, 50, 50)).toEqual({ batch: 50, seq: 50, note: '' }); // 2,850 training characters ≥ 2,501
  });

  it('shrinks the batch first, then seq, so that the trainer accepts the text', () => {
    for (const n of [3, 4, 6, 20, 57, 200, 1000, 2632]) {
      const text = Array.from({ length: n }, (_, i) => 'abcdefghij'[i % 10]).join('');
      expect(() => Trainer.fromText(text, { batchSize: 50, seqLength: 50, hidden: 4, layers: 1, kernels: 'ts', dtype: 'f64' })).toThrow(/too short/);
      const f = fitToText(n, 50, 50);
      expect(f.note).toMatch(/^The text is short/);
      const tr = Trainer.fromText(text, { batchSize: f.batch, seqLength: f.seq, hidden: 4, layers: 1, kernels: 'ts', dtype: 'f64' });
      expect(tr.chunks).toBeGreaterThanOrEqual(1);
    }
    expect(fitToText(1000, 50, 50)).toEqual({
      batch: 18,
      seq: 50,
      note: 'The text is short (1,000 characters, 950 of them for training), so the page made the batch and sequence fit it: batch 50 → 18.',
    });
    // 6 characters: 5 for training; seq 4, one stream (the note counts the text as the text line does)
    expect(fitToText(6, 50, 50)).toEqual({
      batch: 1,
      seq: 4,
      note: 'The text is short (6 characters, 5 of them for training), so the page made the batch and sequence fit it: batch 50 → 1, seq length 50 → 4.',
    });
    expect(trainingChars(6)).toBe(5);
  });

  it('refuses a text with nothing to learn from', () => {
    expect(() => fitToText(2, 50, 50)).toThrow(
      'the text is too short to train on: it has 2 characters, and at least 3 are needed (5% is held out to measure the model on)',
    );
    expect(() => fitToText(1, 1, 1)).toThrow(/it has 1 character, and/);
  });
});

describe('checkPageSize', () => {
  const run = (hidden: number, layers: number, batch: number, seq: number) =>
    estimateRun({ model: 'lstm', layers, hidden, batchSize: batch, seqLength: seq, optim: 'rmsprop', dtype: 'f32' }, 65);
  it("takes char-rnn's LSTM and refuses what would block the worker or fill the memory", () => {
    expect(checkPageSize(run(128, 2, 50, 50))).toBeLessThan(0.2);
    expect(() => checkPageSize(run(512, 2, 200, 100))).toThrow(/^this model is too big for the page: one training step would take about \d+ s/);
    expect(() => checkPageSize(run(2000, 9, 50, 50))).toThrow(/^this model is too big for the page: it would need about \d\.\d GB of memory/);
  });
});

describe('smoothedLoss', () => {
  /** The least-squares line through (x, y) by the normal equations in plain x (no centring), at x0. */
  function lineAt(xs: number[], ys: number[], x0: number): number {
    const n = xs.length,
      sx = xs.reduce((a, b) => a + b, 0),
      sy = ys.reduce((a, b) => a + b, 0),
      sxx = xs.reduce((a, x) => a + x * x, 0),
      sxy = xs.reduce((a, x, k) => a + x * ys[k], 0);
    const det = n * sxx - sx * sx;
    if (det === 0) return sy / n;
    const slope = (n * sxy - sx * sy) / det;
    return (sy - slope * sx) / n + slope * x0;
  }
  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, k) => a + k);

  it('gives a constant back at every iteration, the first included', () => {
    const losses = new Array(120).fill(2.5);
    for (let i = 0; i < losses.length; i++) expect(smoothedLoss(losses, i)).toBeCloseTo(2.5, 12);
    expect(smoothedLoss([4.2], 0)).toBe(4.2); // one loss: itself
  });

  it('gives a straight fall back exactly, at the newest iteration too: it does not lag', () => {
    const losses = Array.from({ length: 200 }, (_, i) => 4.2 - 0.01 * i);
    for (const n of [1, 2, 10, 51, 52, 200]) {
      const seen = losses.slice(0, n);
      for (const i of [0, Math.floor(n / 2), n - 1]) expect(smoothedLoss(seen, i)).toBeCloseTo(losses[i], 10);
    }
    // a trailing exponential average, bias-corrected, of the same fall ends 49 iterations behind
    let m = 0;
    losses.forEach((l) => (m = 0.98 * m + 0.02 * l));
    expect(m / (1 - 0.98 ** 200)).toBeCloseTo(losses[199] + 0.01 * 49, 1);
  });

  it('is the mean of the 51 losses around an iteration in the middle of the data (a step, by hand)', () => {
    // 100 losses of 3 then 100 of 2: at i = 110 the window 85…135 holds 15 threes and 36 twos
    const losses = [...new Array(100).fill(3), ...new Array(100).fill(2)];
    expect(SMOOTH_WINDOW).toBe(51);
    expect(smoothedLoss(losses, 110)).toBeCloseTo((15 * 3 + 36 * 2) / 51, 12);
    expect(smoothedLoss(losses, 100)).toBeCloseTo((25 * 3 + 26 * 2) / 51, 12);
    expect(smoothedLoss(losses, 30)).toBeCloseTo(3, 12);
    expect(smoothedLoss(losses, 199)).toBeCloseTo(2, 12); // the newest: the line through the last 51, all twos
  });

  it('cuts noise: an alternating ±ε about a line is off by only ε/51 in the middle', () => {
    const eps = 0.3,
      losses = Array.from({ length: 300 }, (_, i) => 3 - 0.002 * i + (i % 2 === 0 ? eps : -eps));
    // window 125…175 holds 26 odd indices (−ε) and 25 even ones (+ε): the noise sums to −ε
    expect(smoothedLoss(losses, 150) - (3 - 0.002 * 150)).toBeCloseTo(-eps / 51, 12);
  });

  it('at the ends is the least-squares line through the 51 nearest losses (all of them while there are fewer)', () => {
    const losses = Array.from({ length: 130 }, (_, i) => 4 * Math.exp(-i / 30) + 0.2 * Math.sin(i * 1.7));
    const at = (n: number, i: number, a: number, b: number): void =>
      expect(smoothedLoss(losses.slice(0, n), i)).toBeCloseTo(lineAt(range(a, b), losses.slice(a, b), i), 10);
    at(7, 6, 0, 7); // fewer than 51 so far: every one of them
    at(7, 0, 0, 7);
    at(130, 129, 79, 130); // the newest: the last 51
    at(130, 110, 79, 130); // within 25 of the end: the same window
    at(130, 3, 0, 51); // near the start: the first 51
    at(130, 60, 35, 86); // the middle: centred
  });

  it('refuses an index with no loss', () => {
    expect(() => smoothedLoss([1, 2], 2)).toThrow(/no loss at index 2 of 2/);
    expect(() => smoothedLoss([], 0)).toThrow(RangeError);
  });
});

describe('plainCheckpointError', () => {
  const vocab = Vocab.fromText('abc');
  const bytes = encodeCheckpoint({
    config: { kind: 'gru', vocabSize: 3, hiddenSize: 2, layers: 1 },
    vocab: vocab.toJSON(),
    params: charrnn.initParams({ kind: 'gru', vocabSize: 3, hiddenSize: 2, layers: 1 }, new Rng(1)),
  });
  const messageOf = (b: Uint8Array): string => {
    try {
      decodeCheckpoint(b, 'checkpoint x.safetensors');
    } catch (e) {
      return plainCheckpointError('x.safetensors', (e as Error).message);
    }
    throw new Error('decoded');
  };
  it('says a cut-short or foreign file is not a checkpoint, without byte counts', () => {
    const plain =
      'x.safetensors is not a checkpoint this page can read: it is cut short, damaged, or another kind of file (choose a .safetensors file saved by this page, rnn train or PyTorch)';
    expect(messageOf(bytes.subarray(0, bytes.length >> 1))).toBe(plain);
    expect(messageOf(new TextEncoder().encode('this is a text file, not a model'))).toBe(plain); // its first 8 bytes read as a huge header length
    expect(messageOf(bytes.subarray(0, 5))).toBe(plain);
  });
  it("keeps the library's message when it names a real problem of a checkpoint", () => {
    const old = encodeSafetensors({ Wxh: { data: new Float64Array(2), shape: [1, 2] } }, { format: 'rnn-from-scratch/1' });
    expect(messageOf(old)).toMatch(/^checkpoint x\.safetensors: written by an earlier version of rnn-from-scratch/);
    expect(messageOf(bytes.subarray(0, bytes.length - 4))).toMatch(/^x\.safetensors is not a checkpoint this page can read/); // its last tensor runs past the end
  });
});

describe('look inside: colours', () => {
  it("fades from white to blue or red with the unit's value, with text that stays readable", async () => {
    const { unitColour, textColourOn } = await import('../web/inspect-view.ts');
    expect(unitColour(0)).toEqual([255, 255, 255]);
    expect(unitColour(1.7)).toEqual([40, 100, 230]);
    expect(unitColour(-0.5)).toEqual([238, 148, 148]);
    expect(textColourOn([255, 255, 255])).toBe('#000');
    expect(textColourOn([40, 100, 230])).toBe('#fff'); // black on this blue is 4.0 : 1, under WCAG's 4.5
    expect(textColourOn([220, 40, 40])).toBe('#fff');
    expect(textColourOn([238, 148, 148])).toBe('#000');
  });
});
