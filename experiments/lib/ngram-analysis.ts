// The paper's error analysis (Karpathy, Johnson & Fei-Fei 2015, "Visualizing and Understanding
// Recurrent Networks", section 4.4), on per-character probabilities of an LSTM and an n-gram model
// over the same text: the loss on characters that follow special characters, the loss at closing
// brackets by distance to their opening bracket, the LSTM's errors (target probability < 0.5), and
// the share of them an n-gram oracle would remove.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { charrnn, loadCheckpoint, type Params, samplingStepper, Vocab } from '../../src/index.ts';

/** An experiment run's checkpoint and its recorded options, or why it cannot be used. */
export function findRun(runsDir: string, name: string): { params: Params; vocab: Vocab; options: Record<string, unknown> } | { missing: string } {
  const ckpt = join(runsDir, name, 'latest.safetensors');
  if (!existsSync(ckpt)) return { missing: `run ${name} is missing (no ${ckpt}): train it with the experiment that owns it first` };
  const rec = join(runsDir, name, 'record.json');
  const options = existsSync(rec) ? ((JSON.parse(readFileSync(rec, 'utf8')) as { options?: Record<string, unknown> }).options ?? {}) : {};
  const c = loadCheckpoint(ckpt);
  return { params: c.params, vocab: Vocab.fromJSON(c.vocab), options };
}

/** P(ids[i + 1] | ids[0 … i]) from the model, one character at a time from a zero state (float32 kernels). */
export function lstmTargetProbs(params: Params, ids: ArrayLike<number>, onProgress?: (f: number) => void): Float64Array {
  const engine = samplingStepper(params, 'auto', 'f32');
  const step = engine.stepper ?? charrnn.stepper(params);
  const out = new Float64Array(Math.max(0, ids.length - 1));
  try {
    let state = charrnn.zeroState(charrnn.configOf(params), 1);
    for (let i = 0; i + 1 < ids.length; i++) {
      const r = step([ids[i]], state);
      state = r.state;
      const z = r.logits;
      let max = -Infinity;
      for (const v of z) if (v > max) max = v;
      let sum = 0;
      for (const v of z) sum += Math.exp(v - max);
      out[i] = Math.exp(z[ids[i + 1]] - max) / sum;
      if (onProgress && i % 5000 === 0) onProgress(i / ids.length);
    }
  } finally {
    engine.dispose();
  }
  return out;
}

/** Mean −ln p over the rows selected. */
function meanLoss(p: ArrayLike<number>, rows: readonly number[]): number {
  let s = 0;
  for (const r of rows) s -= Math.log(p[r]);
  return rows.length > 0 ? s / rows.length : NaN;
}

export interface Analysis {
  characters: number;
  lstmLoss: number;
  ngramLoss: number;
  /** After each special character (and after letters, after digits): count and both losses. */
  after: { after: string; count: number; lstm: number; ngram: number }[];
  /** Closing brackets by distance to their opening one (code only). */
  brackets: { from: number; to: number; count: number; lstm: number; ngram: number; lstmProb: number; ngramProb: number }[];
  errors: { lstm: number; share: number; removedByOracle: number; oracleShare: number; oracleOrders: number; ngramErrors: number };
}

export const DISTANCE_BUCKETS: readonly [number, number][] = [
  [1, 5],
  [6, 10],
  [11, 20],
  [21, 40],
  [41, 60],
  [61, 80],
  [81, 120],
  [121, 200],
  [201, 400],
  [401, Infinity],
];

/**
 * `lstm[k]` and `ngram[k * order + m − 1]` are P(text[k + 1]) under the LSTM and the order-m model;
 * `order` the n-gram's highest order (the one compared), `oracle` the orders the oracle consults (1 … oracle).
 */
export function analyse(chars: readonly string[], lstm: Float64Array, ngram: Float64Array, order: number, oracle: number, minCount: number): Analysis {
  const rows = lstm.length;
  const top = new Float64Array(rows);
  for (let k = 0; k < rows; k++) top[k] = ngram[k * order + order - 1];
  const all = Array.from({ length: rows }, (_, k) => k);
  // after special characters: group by the character before the target
  const groups = new Map<string, number[]>();
  for (let k = 0; k < rows; k++) {
    const c = chars[k];
    const key = /\p{L}/u.test(c) ? 'a letter' : /\p{N}/u.test(c) ? 'a digit' : JSON.stringify(c);
    const g = groups.get(key) ?? [];
    g.push(k);
    groups.set(key, g);
  }
  const after = [...groups.entries()]
    .filter(([, g]) => g.length >= minCount)
    .map(([key, g]) => ({ after: key, count: g.length, lstm: meanLoss(lstm, g), ngram: meanLoss(top, g) }))
    .sort((a, b) => b.count - a.count);
  // closing brackets: matched with a stack over the text; the row predicting position i is i − 1
  const open: { ch: string; at: number }[] = [];
  const pairs: { row: number; distance: number }[] = [];
  const closes: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '(' || c === '[' || c === '{') open.push({ ch: c, at: i });
    else if (closes[c] !== undefined) {
      if (open.length > 0 && open[open.length - 1].ch === closes[c]) {
        const o = open.pop()!;
        if (i >= 1) pairs.push({ row: i - 1, distance: i - o.at });
      } else open.length = 0; // a mismatch (text cut mid-block): start afresh
    }
  }
  const brackets = DISTANCE_BUCKETS.map(([from, to]) => {
    const rs = pairs.filter((p) => p.distance >= from && p.distance <= to).map((p) => p.row);
    const mean = (p: Float64Array): number => rs.reduce((s, r) => s + p[r], 0) / rs.length;
    return { from, to, count: rs.length, lstm: meanLoss(lstm, rs), ngram: meanLoss(top, rs), lstmProb: mean(lstm), ngramProb: mean(top) };
  });
  // errors and the n-gram oracle
  let errors = 0,
    removed = 0,
    ngramErrors = 0;
  for (let k = 0; k < rows; k++) {
    if (top[k] < 0.5) ngramErrors++;
    if (lstm[k] >= 0.5) continue;
    errors++;
    for (let m = 1; m <= oracle; m++) {
      if (ngram[k * order + m - 1] > 0.5) {
        removed++;
        break;
      }
    }
  }
  return {
    characters: rows,
    lstmLoss: meanLoss(lstm, all),
    ngramLoss: meanLoss(top, all),
    after,
    brackets,
    errors: { lstm: errors, share: errors / rows, removedByOracle: removed, oracleShare: removed / errors, oracleOrders: oracle, ngramErrors },
  };
}
