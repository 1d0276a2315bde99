// The counts storage of the n-gram model: a table of entries keyed by a pair of 32-bit integers
// (a, b), with any number of typed-array columns beside the keys, and an open-addressing hash
// (linear probing, power-of-two slots, load at most 3/4) from (a, b) to the entry's index.
// Entries are dense (0, 1, 2, … in insertion order) and never removed, so an index is an id.
//
// Every allocation goes through a Budget first: a table that would grow past the memory limit
// throws a SizeError before the larger arrays are allocated (the old ones are still there).

import { formatBytes, SizeError } from '../limits.ts';

/** A typed array constructor this table can hold a column in. */
type ColumnType = Uint8ArrayConstructor | Uint32ArrayConstructor | Float64ArrayConstructor;
type Column = Uint8Array | Uint32Array | Float64Array;

/** Bytes allocated so far by the tables that share it, the peak, and the ceiling. */
export class Budget {
  bytes = 0;
  peak = 0;
  constructor(
    readonly limit: number,
    /** Names the job in the error: "an order-20 model of 5,586,296 characters". */
    readonly what: string,
  ) {}

  /** Claim `n` more bytes, or a SizeError (nothing allocated yet). */
  claim(n: number, detail: string): void {
    if (this.bytes + n > this.limit) {
      throw new SizeError(
        `${this.what} needs more than the ${formatBytes(this.limit)} of memory allowed (${formatBytes(this.bytes)} in use, ${formatBytes(n)} more for ${detail}): use a smaller --order or a shorter text`,
      );
    }
    this.bytes += n;
    this.peak = Math.max(this.peak, this.bytes);
  }

  release(n: number): void {
    this.bytes -= n;
  }
}

/** Two 32-bit keys to a 32-bit hash (multiply–xorshift mixing). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

export class PairTable<C extends string> {
  /** Entries in use. */
  size = 0;
  /** The two keys of each entry (length ≥ size). */
  a: Uint32Array;
  b: Uint32Array;
  /** The extra columns, by name (length ≥ size; zero for a new entry). */
  readonly col: Record<C, Column>;
  private slots: Int32Array; // entry index + 1, or 0 for an empty slot
  private mask: number;
  private capacity: number;

  constructor(
    readonly name: string,
    private readonly types: Record<C, ColumnType>,
    private readonly budget: Budget,
    capacity = 1024,
  ) {
    this.capacity = capacity;
    const slotCount = PairTable.slotsFor(capacity);
    budget.claim(capacity * this.entryBytes() + slotCount * 4, `the ${name}`);
    this.a = new Uint32Array(capacity);
    this.b = new Uint32Array(capacity);
    this.col = {} as Record<C, Column>;
    for (const k of Object.keys(types) as C[]) this.col[k] = new types[k](capacity);
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
  }

  /** NOTE: a power of two (the mask must be all ones), at a load of at most 3/4 when `capacity` entries are in use. */
  static slotsFor(capacity: number): number {
    return 2 ** Math.ceil(Math.log2(capacity / 0.75));
  }

  /** Bytes per entry in the key and value columns (the slots come on top: 4 bytes each). */
  entryBytes(): number {
    return 8 + (Object.values(this.types) as ColumnType[]).reduce((s, t) => s + t.BYTES_PER_ELEMENT, 0);
  }

  /** Bytes this table holds now. */
  bytes(): number {
    return this.capacity * this.entryBytes() + this.slots.length * 4;
  }

  /** The index of (a, b), or −1. */
  find(a: number, b: number): number {
    const slots = this.slots,
      mask = this.mask;
    for (let s = mix(a, b) & mask; ; s = (s + 1) & mask) {
      const e = slots[s] - 1;
      if (e < 0) return -1;
      if (this.a[e] === a && this.b[e] === b) return e;
    }
  }

  /** The index of (a, b), added (with zero columns) if it is not there. */
  insert(a: number, b: number): number {
    const mask = this.mask;
    let s = mix(a, b) & mask;
    for (; ; s = (s + 1) & mask) {
      const e = this.slots[s] - 1;
      if (e < 0) break;
      if (this.a[e] === a && this.b[e] === b) return e;
    }
    if (this.size === this.capacity) {
      this.grow();
      return this.insert(a, b);
    }
    const e = this.size++;
    this.a[e] = a;
    this.b[e] = b;
    this.slots[s] = e + 1;
    return e;
  }

  /** 1.5 times the entries (copied) and a slot array of twice that (rehashed); checked first. */
  private grow(): void {
    const old = this.bytes();
    const capacity = Math.ceil(this.capacity * 1.5);
    const slotCount = PairTable.slotsFor(capacity);
    if (slotCount > 2 ** 31) throw new SizeError(`${this.budget.what} has more than 2^30 ${this.name}: use a smaller --order or a shorter text`);
    const more = capacity * this.entryBytes() + slotCount * 4;
    this.budget.claim(more, `${capacity.toLocaleString('en-US')} ${this.name}`);
    const widen = <T extends Column>(x: T, make: new (n: number) => T): T => {
      const y = new make(capacity);
      y.set(x);
      return y;
    };
    this.a = widen(this.a, Uint32Array);
    this.b = widen(this.b, Uint32Array);
    for (const k of Object.keys(this.types) as C[]) this.col[k] = widen(this.col[k], this.types[k] as new (n: number) => Column);
    this.capacity = capacity;
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    for (let e = 0; e < this.size; e++) {
      let s = mix(this.a[e], this.b[e]) & this.mask;
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = e + 1;
    }
    this.budget.release(old);
  }
}
