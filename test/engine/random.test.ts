// The seeded Rng: determinism, state round trips, the xoshiro128** recurrence against an
// independent BigInt version, and distribution checks with bounds of 5 standard errors (a false
// failure has probability below 1e-6 per check; the seeds are fixed, so the tests are repeatable).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, Tensor } from '../../src/engine/index.ts';
import { arbSeed } from './numeric.ts';

const N = 20_000;
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** xoshiro128** written from the paper's description with BigInt arithmetic mod 2³². */
function* referenceXoshiro(state: number[]): Generator<number> {
  const M = 0xffffffffn;
  const s = state.map(BigInt);
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  for (;;) {
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    yield Number(result);
  }
}

function draws(rng: Rng, n: number, f: (r: Rng) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(rng);
  return out;
}

function meanOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

describe('determinism and state', () => {
  it('the same seed gives the same stream; different seeds give different streams', () => {
    fc.assert(
      fc.property(arbSeed, arbSeed, (s1, s2) => {
        const a = draws(new Rng(s1), 50, (r) => r.nextUint32()),
          b = draws(new Rng(s1), 50, (r) => r.nextUint32());
        expect(a).toEqual(b);
        if (s1 !== s2) expect(draws(new Rng(s2), 4, (r) => r.nextUint32())).not.toEqual(a.subarray(0, 4));
      }),
      { numRuns: 50 },
    );
  });

  it('state() round trip continues the stream exactly, and state() is a copy', () => {
    fc.assert(
      fc.property(arbSeed, fc.integer({ min: 0, max: 100 }), (seed, skip) => {
        const rng = new Rng(seed);
        for (let i = 0; i < skip; i++) rng.uniform();
        const saved = rng.state();
        const resumed = new Rng(saved);
        saved[0] ^= 1; // must not reach either generator
        expect(draws(resumed, 30, (r) => r.uniform())).toEqual(draws(rng, 30, (r) => r.uniform()));
      }),
      { numRuns: 30 },
    );
  });

  it('nextUint32 follows xoshiro128** (hand-computed start for state 1,2,3,4, then a BigInt reference)', () => {
    const rng = new Rng([1, 2, 3, 4]);
    // out = rotl(s1·5, 7)·9: s1 = 2 gives 10·128·9 = 11520; then s1 = 0; then s1 = 1029 gives 5145·128·9
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040]);
    fc.assert(
      fc.property(
        fc.tuple(u32, u32, u32, u32).filter((s) => s.some((v) => v !== 0)),
        (state) => {
          const r = new Rng(state),
            ref = referenceXoshiro(state);
          for (let i = 0; i < 200; i++) expect(r.nextUint32()).toBe(ref.next().value);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('nearby seeds give uncorrelated streams', () => {
    const n = 5000;
    for (const seed of [0, 1, 41, 1000]) {
      const a = draws(new Rng(seed), n, (r) => r.uniform()),
        b = draws(new Rng(seed + 1), n, (r) => r.uniform());
      let cov = 0;
      for (let i = 0; i < n; i++) cov += (a[i] - 0.5) * (b[i] - 0.5);
      const corr = cov / n / (1 / 12);
      expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(n)); // SE of a correlation near 0 is 1/√n
    }
  });

  it('rejects a malformed state and escapes the all-zero fixed point', () => {
    expect(() => new Rng([1, 2, 3])).toThrow(/four unsigned 32-bit integers/);
    expect(() => new Rng([1, 2, 3, -1])).toThrow(/four unsigned 32-bit integers/);
    expect(() => new Rng([1, 2, 3, 2 ** 32])).toThrow(/four unsigned 32-bit integers/);
    expect(() => new Rng([1, 2, 3, 0.5])).toThrow(/four unsigned 32-bit integers/);
    const z = new Rng([0, 0, 0, 0]);
    expect(new Set(draws(z, 10, (r) => r.nextUint32())).size).toBeGreaterThan(1);
  });

  it('Tensor.randn and Tensor.uniform are reproducible from the seed', () => {
    fc.assert(
      fc.property(arbSeed, (seed) => {
        expect(Tensor.randn([3, 4], new Rng(seed)).data).toEqual(Tensor.randn([3, 4], new Rng(seed)).data);
        const u = Tensor.uniform([50], new Rng(seed), -2, 3);
        expect(u.data.every((v) => v >= -2 && v < 3)).toBe(true);
      }),
      { numRuns: 10 },
    );
  });
});

describe('distributions', () => {
  it('uniform lies in [0, 1) with mean 1/2 and flat deciles', () => {
    for (const seed of [1, 2]) {
      const u = draws(new Rng(seed), N, (r) => r.uniform());
      expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
      expect(Math.abs(meanOf(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
      const bins = new Array<number>(10).fill(0);
      for (const v of u) bins[Math.floor(v * 10)]++;
      for (const c of bins) expect(Math.abs(c - N / 10)).toBeLessThan(5 * Math.sqrt(N * 0.1 * 0.9));
    }
  });

  it('normal has mean 0, variance 1, 68.27% within one sd and fourth moment 3', () => {
    for (const seed of [3, 4]) {
      const x = draws(new Rng(seed), N, (r) => r.normal());
      expect(x.every(Number.isFinite)).toBe(true);
      const m = meanOf(x);
      expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(N)); // SE of the mean: 1/√N
      const v = meanOf(x.map((t) => (t - m) ** 2));
      expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / N)); // Var(x²) = 2 for a standard normal
      const p = 0.6826894921370859; // P(|x| < 1)
      const inside = x.filter((t) => Math.abs(t) < 1).length / N;
      expect(Math.abs(inside - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
      const m4 = meanOf(x.map((t) => t ** 4));
      expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / N)); // Var(x⁴) = E x⁸ − 9 = 105 − 9
    }
  });

  it('categorical frequencies match p; zero-mass entries are never drawn', () => {
    const p = [0.1, 0, 0.2, 0.3, 0.4, 0];
    const counts = new Array<number>(p.length).fill(0);
    const rng = new Rng(5);
    for (let i = 0; i < N; i++) counts[rng.categorical(p)]++;
    p.forEach((pi, i) => expect(Math.abs(counts[i] - N * pi)).toBeLessThanOrEqual(5 * Math.sqrt(N * pi * (1 - pi))));
  });

  it('categorical with mass a little under 1 returns the last non-zero entry for the leftover', () => {
    // total 0.9: draws in [0.9, 1) fall to index 2 (the last with mass), never to index 3
    const p = [0.3, 0, 0.6, 0];
    const counts = [0, 0, 0, 0];
    const rng = new Rng(6);
    for (let i = 0; i < N; i++) counts[rng.categorical(p)]++;
    expect(counts[1]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(Math.abs(counts[0] - N * 0.3)).toBeLessThan(5 * Math.sqrt(N * 0.3 * 0.7));
  });

  it('int(n) gives integers in [0, n) with equal frequencies', () => {
    const n = 7;
    const counts = new Array<number>(n).fill(0);
    const rng = new Rng(7);
    for (let i = 0; i < N; i++) {
      const k = rng.int(n);
      expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
      counts[k]++;
    }
    for (const c of counts) expect(Math.abs(c - N / n)).toBeLessThan(5 * Math.sqrt(N * (1 / n) * (1 - 1 / n)));
  });
});

describe('jump', () => {
  // The state update of xoshiro128** is linear over GF(2): the state after one draw is T·s for a
  // 128 × 128 bit matrix T, read off by stepping each unit state once. Squaring T 64 times gives
  // T^(2⁶⁴), the jump, without the reference implementation's polynomial that jump() uses.
  type Bits = Uint32Array; // 128 bits: word i, bit b = index 32i + b
  const step = (s: Bits): Bits => {
    const r = new Rng(Array.from(s));
    r.nextUint32();
    return Uint32Array.from(r.state());
  };
  const apply = (M: Bits[], v: Bits): Bits => {
    const out = new Uint32Array(4);
    for (let j = 0; j < 128; j++) if ((v[j >> 5] >>> (j & 31)) & 1) for (let i = 0; i < 4; i++) out[i] ^= M[j][i];
    return out;
  };
  const unit = (j: number): Bits => {
    const e = new Uint32Array(4);
    e[j >> 5] = 1 << (j & 31);
    return e;
  };

  it('advances the state by 2⁶⁴ draws (against powers of the one-draw matrix)', () => {
    let M = Array.from({ length: 128 }, (_, j) => step(unit(j))); // column j = T·e_j
    expect(apply(M, Uint32Array.from([1, 2, 3, 4]))).toEqual(step(Uint32Array.from([1, 2, 3, 4]))); // the matrix is the step
    for (let k = 0; k < 64; k++) M = M.map((col) => apply(M, col)); // T^(2^(k+1)) = (T^(2^k))²
    for (const seed of [0, 1, 123, 0xffffffff]) {
      const r = new Rng(seed);
      const expected = apply(M, Uint32Array.from(r.state()));
      r.jump();
      expect(r.state()).toEqual(Array.from(expected));
    }
  });

  it('jumped streams differ from the seed and from each other, and are reproducible', () => {
    const firsts = (seed: number): number[] => {
      const r = new Rng(seed);
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        out.push(new Rng(r.state()).nextUint32());
        r.jump();
      }
      return out;
    };
    const a = firsts(7);
    expect(new Set(a).size).toBe(4);
    expect(firsts(7)).toEqual(a);
  });
});
