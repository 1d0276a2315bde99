// A character n-gram model with interpolated Kneser-Ney smoothing (Kneser & Ney 1995; the
// interpolated, modified form of Chen & Goodman 1998, "An empirical study of smoothing techniques
// for language modeling", section 3.5 and 4.1.6), fitted on the ids of a text.
//
// Notation: n the order, V the vocabulary size, h a context (the previous characters, most recent
// last), h' the context without its oldest character, w the next character, c(s) the number of
// occurrences of the string s in the training text, N1+(• s) = |{x : c(x s) > 0}| the number of
// distinct characters that precede s (its "continuation count").
//
// The probability of w after the last n − 1 characters h is a recursion over the orders k = n … 1
// (context lengths j = k − 1 = n − 1 … 0), ending in the uniform distribution:
//
//   P_k(w | h) = max(a(h w) − D_k(a(h w)), 0) / Σ_v a(h v)  +  γ_k(h) · P_{k−1}(w | h')
//   γ_k(h)     = (D_k(1)·N_1(h) + D_k(2)·N_2(h) + D_k(3+)·N_3+(h)) / Σ_v a(h v)
//   P_0(w)     = 1 / V                                (every character of the vocabulary, seen or not)
//
// where a(h w) is the raw count c(h w) at the top order (k = n) and the continuation count
// N1+(• h w) at every lower order (the lowest, k = 1, is the continuation unigram N1+(• w) /
// N1+(• •), itself discounted and interpolated with the uniform P_0), and N_r(h) is the number of
// characters v with a(h v) = r (N_3+: ≥ 3). Because γ_k(h) gives back exactly what the discounts
// took, Σ_w P_k(w | h) = 1 at every order, for any h: the probabilities over the vocabulary sum to 1.
// A context that was never seen (Σ_v a(h v) = 0) has P_k(w | h) = P_{k−1}(w | h') (γ = 1).
//
// Discounts, one set per order and per kind of count (raw or continuation), either
//   - modified Kneser-Ney (the default), estimated from the counts of counts n_r (how many distinct
//     strings of that order have a(·) = r): Y = n_1 / (n_1 + 2 n_2), D(1) = 1 − 2Y n_2/n_1,
//     D(2) = 2 − 3Y n_3/n_2, D(3+) = 3 − 4Y n_4/n_3. When an estimate is undefined or outside
//     (0, r] (tiny texts), all three are Y, or 0.5 when Y is not in (0, 1) either;
//   - or one fixed D in (0, 1] for every order and count (NLTK's KneserNeyInterpolated: D = 0.1).
//
// Short contexts: the first characters of a scored text have fewer than n − 1 before them; they are
// scored with the context they have, P_j(w | h) with j = its length + 1 (continuation counts at the
// top, as NLTK's score(w, short context) does). Nothing is padded.
//
// Counts are stored in two PairTables (table.ts): contexts, a trie of the contexts read backwards
// (context x·h is the child of h by the character x), and events (h, w), both with their counts.
// One fit at order n holds every lower order too: the raw counts and the continuation counts of
// every length, so `order` can be chosen per query (m ≤ n) and lossByOrder scores all orders at once.

import { UserError } from '../errors.ts';
import { Budget, PairTable } from './table.ts';

/** Discount: modified Kneser-Ney from the counts of counts, or one fixed value in (0, 1]. */
export type Discount = 'modified' | number;

export interface NgramOptions {
  order: number;
  /** Vocabulary size: ids are 0 … V − 1 (characters never seen get probability through P_0 = 1/V). */
  V: number;
  discount?: Discount;
  /** Bytes the counts may take (default 4 GiB); more is a SizeError before it is allocated. */
  memoryLimit?: number;
  /** Called now and then while counting: fraction done (0 to 1). */
  onProgress?: (fraction: number) => void;
}

/** The pieces of one order of the recursion, for a test against another implementation. */
export interface Term {
  /** The context length j (order j + 1). */
  length: number;
  /** max(a − D(a), 0) / Σ a, and γ; both 0 and 1 for an unseen context. */
  alpha: number;
  gamma: number;
  /** a(h w) and Σ_v a(h v): raw counts at the top order, continuation counts below. */
  count: number;
  total: number;
}

/** Bytes per entry: contexts (keys 8, level 1, two totals 8, two γ numerators 16), events (keys 8, two counts 8). */
export const CONTEXT_BYTES = 33;
export const EVENT_BYTES = 16;
/** A hash slot (4 bytes) per entry at a load of 1/2 to 3/4: about 6.5 bytes per entry. */
export const SLOT_BYTES = 6.5;

const RAW = 0,
  CONT = 1;

export class KneserNey {
  readonly order: number;
  readonly V: number;
  /** Discounts [kind][length] → [D(1), D(2), D(3+)] (kind 0 raw, 1 continuation). */
  readonly discounts: [number, number, number][][];
  /** Per context length j: distinct contexts and distinct events (j + 1 grams). */
  readonly contextsPerLength: number[];
  readonly eventsPerLength: number[];
  /** The most bytes the tables held at once while fitting. */
  readonly peakBytes: number;
  private readonly ctx: PairTable<'level' | 'totalRaw' | 'totalCont' | 'gRaw' | 'gCont'>;
  private readonly ev: PairTable<'raw' | 'cont'>;

  private constructor(order: number, V: number, discounts: [number, number, number][][], ctx: KneserNey['ctx'], ev: KneserNey['ev'], peak: number) {
    this.order = order;
    this.V = V;
    this.discounts = discounts;
    this.ctx = ctx;
    this.ev = ev;
    this.peakBytes = peak;
    this.contextsPerLength = new Array<number>(order).fill(0);
    this.eventsPerLength = new Array<number>(order).fill(0);
    const level = ctx.col.level;
    for (let c = 0; c < ctx.size; c++) this.contextsPerLength[level[c]]++;
    for (let e = 0; e < ev.size; e++) this.eventsPerLength[level[ev.a[e]]]++;
  }

  /** Count every string of 1 to n characters in `ids` and estimate the discounts. */
  static fit(ids: ArrayLike<number>, opts: NgramOptions): KneserNey {
    const { order: n, V } = opts;
    if (!(Number.isInteger(n) && n >= 1 && n <= 255)) throw new UserError(`the order must be an integer from 1 to 255, got ${n}`);
    if (!(Number.isInteger(V) && V >= 1)) throw new UserError(`the vocabulary size must be a positive integer, got ${V}`);
    const discount = opts.discount ?? 'modified';
    if (discount !== 'modified' && !(discount > 0 && discount <= 1)) throw new UserError(`a fixed discount must be in (0, 1], got ${discount}`);
    const N = ids.length;
    for (let i = 0; i < N; i++) {
      const x = ids[i];
      if (!(Number.isInteger(x) && x >= 0 && x < V)) throw new UserError(`id ${x} at position ${i} is outside the vocabulary (0 to ${V - 1})`);
    }
    const budget = new Budget(opts.memoryLimit ?? 4 * 2 ** 30, `an order-${n} model of ${N.toLocaleString('en-US')} characters`);
    const start = Math.min(1 << 20, Math.max(1024, N));
    const ctx = new PairTable(
      'contexts',
      { level: Uint8Array, totalRaw: Uint32Array, totalCont: Uint32Array, gRaw: Float64Array, gCont: Float64Array },
      budget,
      start,
    );
    const ev = new PairTable('events', { raw: Uint32Array, cont: Uint32Array }, budget, start);
    ctx.insert(0xffffffff, 0xffffffff); // the empty context, id 0 (no real key collides: ids < V ≤ 2^32 − 1)
    const report = opts.onProgress ?? (() => {});
    const every = Math.max(1, Math.floor(N / 100));

    // 1. Every position i: the path of contexts t[i−j … i−1] (j = 1 … n − 1, as far as the text
    //    goes back), and the event (longest context, t[i]): raw counts at the top order; the first
    //    n − 1 positions have shorter contexts, kept as startNode[j] for their own order below.
    const startNode = new Array<number>(n).fill(-1);
    for (let i = 0; i < N; i++) {
      let node = 0;
      const J = Math.min(i, n - 1);
      for (let j = 1; j <= J; j++) {
        const child = ctx.insert(node, ids[i - j]);
        ctx.col.level[child] = j;
        node = child;
      }
      if (J === n - 1) {
        const e = ev.insert(node, ids[i]); // NOTE: insert first: it may replace the columns
        ev.col.raw[e]++;
      } else startNode[J] = node;
      if (i % every === 0) report((0.8 * i) / N);
    }
    // 2. Shorter events from longer ones, one length at a time (events of length j form one range):
    //    (x·h, w) with count c gives (h, w) one more continuation (a distinct x) and c more raw;
    //    the one occurrence at the very start of the text (no x) adds 1 raw.
    const first = new Array<number>(n).fill(0),
      end = new Array<number>(n).fill(0);
    end[n - 1] = ev.size;
    for (let L = n - 2; L >= 0; L--) {
      first[L] = ev.size;
      if (startNode[L] >= 0) {
        const s = ev.insert(startNode[L], ids[L]);
        ev.col.raw[s]++;
      }
      for (let e = first[L + 1]; e < end[L + 1]; e++) {
        const p = ev.insert(ctx.a[ev.a[e]], ev.b[e]);
        ev.col.cont[p]++;
        ev.col.raw[p] += ev.col.raw[e];
      }
      end[L] = ev.size;
      report(0.8 + (0.1 * (n - 1 - L)) / n);
    }
    // 3. Counts of counts per length and kind, the discounts, then each context's totals and γ numerators.
    const cc = [0, 1].map(() => Array.from({ length: n }, () => [0, 0, 0, 0, 0]));
    const level = ctx.col.level;
    for (let e = 0; e < ev.size; e++) {
      const j = level[ev.a[e]];
      const r = ev.col.raw[e],
        c = ev.col.cont[e];
      if (r <= 4) cc[RAW][j][r]++;
      if (c <= 4) cc[CONT][j][c]++;
    }
    const discounts = cc.map((byLength) =>
      byLength.map((k) => (discount === 'modified' ? modifiedDiscounts(k) : ([discount, discount, discount] as [number, number, number]))),
    );
    const { totalRaw, totalCont, gRaw, gCont } = ctx.col;
    for (let e = 0; e < ev.size; e++) {
      const h = ev.a[e],
        j = level[h];
      const r = ev.col.raw[e],
        c = ev.col.cont[e];
      if (r > 0) {
        totalRaw[h] += r;
        gRaw[h] += discounts[RAW][j][Math.min(r, 3) - 1];
      }
      if (c > 0) {
        totalCont[h] += c;
        gCont[h] += discounts[CONT][j][Math.min(c, 3) - 1];
      }
    }
    report(1);
    return new KneserNey(n, V, discounts, ctx, ev, budget.peak);
  }

  /** Bytes the tables hold now (the arrays' full capacity). */
  get bytes(): number {
    return this.ctx.bytes() + this.ev.bytes();
  }

  /**
   * The contexts of the prediction at `ids[i]`: nodes[j] for the j characters before it, j = 0 …
   * as far as the model, the text and the training counts go (at most maxLength).
   */
  private path(ids: ArrayLike<number>, i: number, maxLength: number, nodes: Int32Array): number {
    let node = 0,
      J = 0;
    nodes[0] = 0;
    const top = Math.min(i, maxLength);
    while (J < top) {
      const child = this.ctx.find(node, ids[i - J - 1]);
      if (child < 0) break;
      node = child;
      nodes[++J] = node;
    }
    return J;
  }

  /** One order of the recursion at context node h (length j) for w: [α, γ] with raw or continuation counts. */
  private term(h: number, j: number, w: number, kind: number): [number, number, number, number] {
    const total = kind === RAW ? this.ctx.col.totalRaw[h] : this.ctx.col.totalCont[h];
    if (total === 0) return [0, 1, 0, 0];
    const e = this.ev.find(h, w);
    const a = e < 0 ? 0 : kind === RAW ? this.ev.col.raw[e] : this.ev.col.cont[e];
    const g = kind === RAW ? this.ctx.col.gRaw[h] : this.ctx.col.gCont[h];
    const alpha = a > 0 ? Math.max(a - this.discounts[kind][j][Math.min(a, 3) - 1], 0) / total : 0;
    return [alpha, g / total, a, total];
  }

  private checkQuery(ids: ArrayLike<number>, i: number, order: number): void {
    if (!(Number.isInteger(order) && order >= 1 && order <= this.order)) throw new UserError(`order must be from 1 to ${this.order}, got ${order}`);
    if (!(Number.isInteger(i) && i >= 0 && i < ids.length)) throw new UserError(`position ${i} is outside the text (length ${ids.length})`);
  }

  /**
   * The terms of P(ids[i] | the characters before it) at `order`, from the lowest order up: P is
   * p_0 = 1/V, then p = α + γ·p for each term in turn.
   */
  terms(ids: ArrayLike<number>, i: number, order = this.order): Term[] {
    this.checkQuery(ids, i, order);
    const nodes = new Int32Array(order);
    const J = this.path(ids, i, order - 1, nodes);
    const w = ids[i];
    const out: Term[] = [];
    for (let j = 0; j <= J; j++) {
      const [alpha, gamma, count, total] = this.term(nodes[j], j, w, j === order - 1 ? RAW : CONT);
      out.push({ length: j, alpha, gamma, count, total });
    }
    return out;
  }

  /** P(ids[i] | the up to order − 1 characters before it). */
  prob(ids: ArrayLike<number>, i: number, order = this.order): number {
    let p = 1 / this.V;
    for (const t of this.terms(ids, i, order)) p = t.alpha + t.gamma * p;
    return p;
  }

  /** ln P(w | history), history's last order − 1 ids being the context. */
  logProb(history: ArrayLike<number>, w: number, order = this.order): number {
    const ids = [...(order > 1 ? Array.from(history).slice(-(order - 1)) : []), w];
    return Math.log(this.prob(ids, ids.length - 1, order));
  }

  /** The whole next-character distribution after `history` (length V; sums to 1). */
  distribution(history: ArrayLike<number>, order = this.order): Float64Array {
    const out = new Float64Array(this.V);
    const ids = [...(order > 1 ? Array.from(history).slice(-(order - 1)) : []), 0];
    for (let w = 0; w < this.V; w++) {
      ids[ids.length - 1] = w;
      out[w] = this.prob(ids, ids.length - 1, order);
    }
    return out;
  }

  /**
   * P(ids[i] | before it) at every order 1 … n at once, for i = 1 … length − 1 (every character
   * after the first, as rnn eval scores a text): probs[(i − 1)·n + (m − 1)] is order m's.
   * One walk per position: the orders share every term but their top one (raw counts).
   */
  probsByOrder(ids: ArrayLike<number>, onProgress?: (fraction: number) => void): Float64Array {
    const n = this.order;
    const count = Math.max(0, ids.length - 1);
    const out = new Float64Array(count * n);
    const nodes = new Int32Array(n);
    const every = Math.max(1, Math.floor(count / 100));
    for (let i = 1; i < ids.length; i++) {
      const w = ids[i];
      const J = this.path(ids, i, n - 1, nodes);
      const row = (i - 1) * n;
      let pc = 1 / this.V; // the continuation recursion up to length j − 1
      for (let j = 0; j <= J; j++) {
        const [ar, gr] = this.term(nodes[j], j, w, RAW);
        out[row + j] = ar + gr * pc; // order j + 1: raw counts at its top
        const [ac, gc] = this.term(nodes[j], j, w, CONT);
        pc = ac + gc * pc;
      }
      for (let m = J + 2; m <= n; m++) out[row + m - 1] = pc; // contexts never seen at these lengths
      if (onProgress && i % every === 0) onProgress(i / ids.length);
    }
    return out;
  }

  /** Mean −ln P over every character of `ids` after the first, at `order` (nats per character). */
  loss(ids: ArrayLike<number>, order = this.order): { loss: number; predictions: number } {
    if (!(Number.isInteger(order) && order >= 1 && order <= this.order)) throw new UserError(`order must be from 1 to ${this.order}, got ${order}`);
    let sum = 0;
    for (let i = 1; i < ids.length; i++) sum -= Math.log(this.prob(ids, i, order));
    const predictions = Math.max(0, ids.length - 1);
    return { loss: predictions > 0 ? sum / predictions : NaN, predictions };
  }
}

/** Chen & Goodman's D(1), D(2), D(3+) from n_1 … n_4 (k[1] … k[4]), with the fallbacks above. */
export function modifiedDiscounts(k: readonly number[]): [number, number, number] {
  const [, n1, n2, n3, n4] = k;
  const Y = n1 / (n1 + 2 * n2);
  const d: [number, number, number] = [1 - (2 * Y * n2) / n1, 2 - (3 * Y * n3) / n2, 3 - (4 * Y * n4) / n3];
  if (d.every((x, r) => x > 0 && x <= r + 1)) return d;
  const flat = Y > 0 && Y < 1 ? Y : 0.5;
  return [flat, flat, flat];
}
