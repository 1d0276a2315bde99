// A seeded pseudo-random number generator, passed explicitly to whatever needs randomness.
// The library never calls Math.random: the same seed always gives the same model and samples,
// and the whole state fits in four integers, so a checkpoint can store it and resume exactly.
//
// Algorithm: xoshiro128** (Blackman & Vigna), seeded through splitmix32 so that nearby seeds
// give unrelated streams.

export class Rng {
  private s: Uint32Array;

  constructor(seed: number | readonly number[] = 42) {
    this.s = new Uint32Array(4);
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`Rng seed must be an integer from 0 to 4294967295, got ${seed}`);
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        // splitmix32 step
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
    } else {
      if (seed.length !== 4 || seed.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
        throw new Error('Rng state must be four unsigned 32-bit integers');
      }
      this.s.set(seed);
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1; // the all-zero state is a fixed point
  }

  /** The full state, e.g. for a checkpoint; `new Rng(rng.state())` continues the same stream. */
  state(): number[] {
    return Array.from(this.s);
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * Advances the state by 2⁶⁴ draws of nextUint32, in 128 draws: xoshiro's own way (Blackman &
   * Vigna's `jump`) of giving parallel computations streams that do not overlap. Stream i of a seed
   * is `new Rng(seed)` after i jumps (sampleStreams' streams).
   */
  jump(): void {
    const s = this.s;
    const out = new Uint32Array(4);
    for (const word of JUMP) {
      for (let b = 0; b < 32; b++) {
        if ((word >>> b) & 1) for (let i = 0; i < 4; i++) out[i] ^= s[i];
        this.nextUint32();
      }
    }
    s.set(out);
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal draw (Box–Muller; one of the pair is discarded to keep the state simple). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Index drawn from a discrete distribution `p` (non-negative, summing to about 1). */
  categorical(p: ArrayLike<number>): number {
    const r = this.uniform();
    let acc = 0;
    for (let i = 0; i < p.length; i++) {
      acc += p[i];
      if (r < acc) return i;
    }
    // Rounding left r above the total: return the last index with non-zero mass.
    for (let i = p.length - 1; i >= 0; i--) if (p[i] > 0) return i;
    return p.length - 1;
  }
}

/** The jump polynomial of xoshiro128** (its reference implementation's JUMP): x^(2⁶⁴) modulo the characteristic polynomial. */
const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b];

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
