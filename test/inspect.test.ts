import { describe, expect, it } from 'vitest';
import { charrnn, type Params, Rng, stepper, traceActivations, Vocab } from '../src/index.ts';

// The gates by hand, from PyTorch's equations (nn.LSTM, nn.GRU docs) written out over plain arrays:
// an independent computation of what the model's own step records.
const sigma = (x: number): number => 1 / (1 + Math.exp(-x));

/** Row `row` of W (G·H, n) times v. */
function affine(W: { data: Float64Array; shape: readonly number[] }, v: ArrayLike<number>, row: number): number {
  const n = W.shape[1];
  let s = 0;
  for (let j = 0; j < n; j++) s += W.data[row * n + j] * v[j];
  return s;
}

/** Every layer's gates at every step of `ids`, by hand (B = 1, zero start). */
function gatesByHand(p: Params, kind: 'lstm' | 'gru', ids: number[], V: number, H: number, L: number): Record<string, number[][]>[][] {
  const h = Array.from({ length: L }, () => new Array<number>(H).fill(0));
  const c = Array.from({ length: L }, () => new Array<number>(H).fill(0));
  const out: Record<string, number[][]>[][] = []; // out[t][l][gate] = H values
  for (const id of ids) {
    const atT: Record<string, number[][]>[] = [];
    let x: number[] = Array.from({ length: V }, (_, v) => (v === id ? 1 : 0));
    for (let l = 0; l < L; l++) {
      const Wih = p[`rnn.weight_ih_l${l}`],
        Whh = p[`rnn.weight_hh_l${l}`],
        bih = p[`rnn.bias_ih_l${l}`].data,
        bhh = p[`rnn.bias_hh_l${l}`].data;
      const inPart = (k: number, u: number): number => affine(Wih, x, k * H + u) + bih[k * H + u];
      const hhPart = (k: number, u: number): number => affine(Whh, h[l], k * H + u) + bhh[k * H + u];
      const g: Record<string, number[]> = {};
      if (kind === 'lstm') {
        ['i', 'f', 'g', 'o'].forEach((name, k) => {
          g[name] = Array.from({ length: H }, (_, u) => (name === 'g' ? Math.tanh : sigma)(inPart(k, u) + hhPart(k, u)));
        });
        c[l] = c[l].map((cu, u) => g.f[u] * cu + g.i[u] * g.g[u]);
        h[l] = c[l].map((cu, u) => g.o[u] * Math.tanh(cu));
      } else {
        g.r = Array.from({ length: H }, (_, u) => sigma(inPart(0, u) + hhPart(0, u)));
        g.z = Array.from({ length: H }, (_, u) => sigma(inPart(1, u) + hhPart(1, u)));
        g.n = Array.from({ length: H }, (_, u) => Math.tanh(inPart(2, u) + g.r[u] * hhPart(2, u)));
        h[l] = h[l].map((hu, u) => (1 - g.z[u]) * g.n[u] + g.z[u] * hu);
      }
      atT.push(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, [v]])));
      x = h[l];
    }
    out.push(atT);
  }
  return out;
}

describe('traceActivations', () => {
  const vocab = Vocab.fromText('hello world');
  for (const kind of charrnn.CELL_KINDS) {
    it(`${kind}: records each layer's state and the guesses after every character`, () => {
      const params = charrnn.initParams({ kind, vocabSize: vocab.size, hiddenSize: 6, layers: 2 }, new Rng(3), 0.5);
      const text = 'hello';
      const trace = traceActivations(params, vocab, text, { top: 3 });
      expect(trace.chars).toEqual([...text]);
      expect(trace.h).toHaveLength(2);
      expect(trace.c).toHaveLength(kind === 'lstm' ? 2 : 0);
      // Independent check: step the model by hand and compare states and the most likely character.
      const step = stepper(params);
      let state = charrnn.zeroState(charrnn.configOf(params), 1);
      [...text].forEach((ch, t) => {
        const out = step(vocab.encode(ch), state);
        state = out.state;
        for (let l = 0; l < 2; l++) expect(Array.from(trace.h[l][t])).toEqual(Array.from(state.h[l]));
        const best = out.logits.indexOf(Math.max(...out.logits));
        expect(trace.guesses[t][0].char).toBe(vocab.chars[best]);
        const probs = trace.guesses[t].map((g) => g.prob);
        expect(probs).toEqual([...probs].sort((a, b) => b - a));
        const z = Math.max(...out.logits);
        const total = out.logits.reduce((a, v) => a + Math.exp(v - z), 0);
        expect(probs[0]).toBeCloseTo(1 / total, 12);
      });
    });
  }

  for (const kind of ['lstm', 'gru'] as const) {
    it(`${kind}: records every layer's gates at every step, as the equations give them by hand`, () => {
      const H = 5,
        L = 3;
      const params = charrnn.initParams({ kind, vocabSize: vocab.size, hiddenSize: H, layers: L }, new Rng(11), 0.6);
      const text = 'hello world';
      const trace = traceActivations(params, vocab, text, { gates: true });
      const names = kind === 'lstm' ? ['i', 'f', 'g', 'o'] : ['r', 'z', 'n'];
      expect(trace.gates).toHaveLength(L);
      const byHand = gatesByHand(params, kind, vocab.encode(text), vocab.size, H, L);
      for (let l = 0; l < L; l++) {
        expect(Object.keys(trace.gates[l])).toEqual(names);
        for (const n of names) {
          expect(trace.gates[l][n]).toHaveLength(text.length);
          byHand.forEach((atT, t) => expect(trace.gates[l][n][t]).toBeAllClose(atT[l][n][0], { rtol: 1e-12, atol: 1e-14 }));
        }
      }
      // not saturated everywhere (else a swapped σ and tanh could pass): some gate values lie in (0.2, 0.8)
      expect(trace.gates[0][names[0]].some((g) => g.some((v) => v > 0.2 && v < 0.8))).toBe(true);
    });
  }

  it('records no gates unless asked, and none for the vanilla RNN', () => {
    const lstm = charrnn.initParams({ kind: 'lstm', vocabSize: vocab.size, hiddenSize: 4, layers: 2 }, new Rng(2));
    expect(traceActivations(lstm, vocab, 'hello').gates).toEqual([]);
    const rnn = charrnn.initParams({ kind: 'rnn', vocabSize: vocab.size, hiddenSize: 4, layers: 2 }, new Rng(2));
    expect(traceActivations(rnn, vocab, 'hello', { gates: true }).gates).toEqual([]);
  });

  it('traces a text in pieces: each piece starts from the state the last one ended in', () => {
    const params = charrnn.initParams({ kind: 'lstm', vocabSize: vocab.size, hiddenSize: 6, layers: 2 }, new Rng(5), 0.5);
    const whole = traceActivations(params, vocab, 'hello world', { gates: true });
    const first = traceActivations(params, vocab, 'hello', { gates: true });
    const rest = traceActivations(params, vocab, ' world', { gates: true, state: first.state });
    for (let l = 0; l < 2; l++) {
      expect([...first.h[l], ...rest.h[l]].map((a) => Array.from(a))).toEqual(whole.h[l].map((a) => Array.from(a)));
      expect([...first.gates[l].f, ...rest.gates[l].f].map((a) => Array.from(a))).toEqual(whole.gates[l].f.map((a) => Array.from(a)));
    }
    expect(Array.from(rest.state.c[1])).toEqual(Array.from(whole.state.c[1]));
    // the starting state is not modified
    expect(Array.from(first.state.h[0])).toEqual(Array.from(first.h[0][4]));
  });

  it('names a character the model does not know', () => {
    const params = charrnn.initParams({ kind: 'gru', vocabSize: vocab.size, hiddenSize: 4, layers: 1 }, new Rng(1));
    expect(() => traceActivations(params, vocab, 'hex')).toThrow(/"x"/);
  });
});
