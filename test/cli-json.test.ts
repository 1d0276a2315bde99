// `--json` on eval, sample and gradcheck: one JSON document on stdout, with the same numbers as the
// human report (full precision), and eval scoring every character whatever --batch and --seq are.

import { beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, TINY_MODEL_TIMEOUT_MS, trainTinyModel } from './cli-helpers.ts';

const box = cliSandbox('rnn-json-');
const { rnn } = box;
// 1,500 characters: with --batch 1 --seq 100 the old eval scored 1,400 of them
const TEXT = 'to be or not to be, that is the question. '.repeat(36).slice(0, 1500);

describe('--json', () => {
  beforeAll(() => trainTinyModel(box, TEXT), TINY_MODEL_TIMEOUT_MS);

  it('eval: every character after the first is scored, and --json gives the report in full precision', () => {
    for (const [batch, seq] of [
      ['1', '100'],
      ['7', '33'],
      ['50', '50'],
    ]) {
      const human = rnn('eval', '--checkpoint', 'm.safetensors', '--data', 't.txt', '--batch', batch, '--seq', seq);
      expect(human.code, human.err).toBe(0);
      expect(human.out).toContain('data: t.txt, 1,499 characters scored');
      const j = rnn('eval', '--checkpoint', 'm.safetensors', '--data', 't.txt', '--batch', batch, '--seq', seq, '--json');
      expect(j.code, j.err).toBe(0);
      const doc = JSON.parse(j.out);
      expect(doc).toMatchObject({
        checkpoint: 'm.safetensors',
        data: 't.txt',
        batch: Number(batch),
        seq: Number(seq),
        characters: 1500,
        leftOut: 0,
        predictions: 1499,
      });
      expect(doc.model).toEqual({ kind: 'lstm', layers: 1, hiddenSize: 8, vocabSize: new Set(TEXT).size });
      expect(human.out).toContain(`loss: ${doc.loss.toFixed(4)} nats/char = ${doc.bitsPerChar.toFixed(4)} bits/char`);
      expect(doc.bitsPerChar).toBeCloseTo(doc.loss / Math.LN2, 14);
      expect(String(doc.loss).length).toBeGreaterThan(10); // not rounded to the report's four digits
    }
  });

  it('sample: the JSON text is what the stream prints after the prime, with the settings', () => {
    const args = ['sample', '--checkpoint', 'm.safetensors', '--length', '40', '--seed', '4', '--prime', 'to ', '--temperature', '0.7'];
    const plain = rnn(...args);
    const j = rnn(...args, '--json');
    expect(j.code, j.err).toBe(0);
    const doc = JSON.parse(j.out);
    expect(doc).toMatchObject({ prime: 'to ', length: 40, temperature: 0.7, topK: null, argmax: false, seed: 4, dtype: 'f32' });
    expect([...doc.text]).toHaveLength(40);
    expect(plain.out.replace(/\n$/, '')).toBe(('to ' + doc.text).replace(/\n$/, ''));
  });

  it('gradcheck: every row, the thresholds and the verdict; the exit code as without --json', () => {
    const j = rnn('gradcheck', '--model', 'gru', '--layers', '1', '--hidden', '3', '--seq', '3', '--batch', '2', '--json');
    expect(j.code, j.err).toBe(0);
    const doc = JSON.parse(j.out);
    expect(doc).toMatchObject({ model: 'gru', layers: 1, hidden: 3, seq: 3, batch: 2, text: 'First C', pass: true });
    expect(doc.rows.map((r: { name: string }) => r.name)).toEqual([
      'rnn.weight_ih_l0',
      'rnn.weight_hh_l0',
      'rnn.bias_ih_l0',
      'rnn.bias_hh_l0',
      'decoder.weight',
      'decoder.bias',
    ]);
    for (const r of doc.rows) expect(r.maxRelTapeManual).toBeLessThanOrEqual(doc.thresholds.tapeVsManual);
    const mini = JSON.parse(rnn('gradcheck', '--model', 'minchar', '--hidden', '3', '--seq', '4', '--json').out);
    expect(mini).not.toHaveProperty('batch');
    expect(mini.pass).toBe(true);
  });
});
