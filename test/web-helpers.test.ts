// The web page's pure logic (web/helpers.ts): field ranges, batch and seq fitted to a short text
// (checked against the trainer itself), the page's size limits, the bias-corrected average of the
// loss, and checkpoint errors in plain words.

import { describe, expect, it } from 'vitest';
import { charrnn, decodeCheckpoint, encodeCheckpoint, encodeSafetensors, estimateRun, Rng, Trainer, UserError, Vocab } from '../src/index.ts';
import { checkPageSize, FIELDS, fitToText, plainCheckpointError, readField, trainingChars } from '../web/helpers.ts';

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
