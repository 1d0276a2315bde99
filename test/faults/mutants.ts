// Seeded checkpoint mutants: truncations, bit flips, header and metadata edits, missing and extra
// tensors, absurd shapes. Each is a function of the original file's bytes and a seeded generator.

export type Rand = () => number;

/** mulberry32: a small seeded generator, so every run builds the same mutants. */
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

interface Parts {
  header: Record<string, unknown>;
  data: Uint8Array;
}

function split(bytes: Uint8Array): Parts {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n)).replace(/[\s\0]+$/, ''); // the header may be padded
  return { header: JSON.parse(text) as Record<string, unknown>, data: bytes.subarray(8 + n) };
}

/** A file from a header (as JSON text, so it can hold what JSON.stringify cannot make) and a data buffer. */
function join(headerText: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** 200,000 nested arrays: what overflowed the stack when an error message formatted it. */
const DEEP = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
const DEEP_MARK = '"__DEEP__"';
const withDeep = (header: Record<string, unknown>): string => JSON.stringify(header).replace(DEEP_MARK, DEEP);

type Meta = Record<string, string>;
const metaOf = (h: Record<string, unknown>): Meta => h.__metadata__ as Meta;
const tensorNames = (h: Record<string, unknown>): string[] => Object.keys(h).filter((k) => k !== '__metadata__');

/** Edits of the metadata: [name, edit]. Each returns the header JSON text. */
const META_EDITS: [string, (m: Meta, r: Rand) => void][] = [
  ['config layers 1e8', (m) => (m.config = JSON.stringify({ ...JSON.parse(m.config), layers: 100_000_000 }))],
  ['config hidden 0', (m) => (m.config = JSON.stringify({ ...JSON.parse(m.config), hiddenSize: 0 }))],
  ['config kind deep', (m) => (m.config = m.config.replace('"lstm"', DEEP))],
  ['config not JSON', (m) => (m.config = m.config.slice(0, -2))],
  [
    'vocab duplicated',
    (m) => {
      const v = JSON.parse(m.vocab) as string[];
      v[1] = v[0];
      m.vocab = JSON.stringify(v);
    },
  ],
  ['vocab too short', (m) => (m.vocab = JSON.stringify((JSON.parse(m.vocab) as string[]).slice(1)))],
  ['vocab deep', (m) => (m.vocab = DEEP)],
  ['vocab a number', (m) => (m.vocab = '12')],
  ['optimizer unknown', (m) => (m.optimizer = m.optimizer.replace('"adam"', '"sgd"'))],
  ['optimizer hyper deep', (m) => (m.optimizer = JSON.stringify({ ...JSON.parse(m.optimizer), hyper: '__DEEP__' }).replace(DEEP_MARK, DEEP))],
  ['optimizer steps -1', (m) => (m.optimizer = JSON.stringify({ ...JSON.parse(m.optimizer), steps: -1 }))],
  ['optimizer steps off by one', (m) => (m.optimizer = JSON.stringify({ ...JSON.parse(m.optimizer), steps: JSON.parse(m.optimizer).steps + 1 }))],
  ['iteration 1e300', (m) => (m.iteration = '1e300')],
  ['rng deep', (m) => (m.rng = DEEP)],
  ['rng three words', (m) => (m.rng = JSON.stringify((JSON.parse(m.rng) as number[]).slice(1)))],
  [
    'train options batch 1e9',
    (m) => {
      const t = JSON.parse(m.train);
      t.options.batchSize = 1e9;
      m.train = JSON.stringify(t);
    },
  ],
  [
    'train options seq 1e9',
    (m) => {
      const t = JSON.parse(m.train);
      t.options.seqLength = 1e9;
      m.train = JSON.stringify(t);
    },
  ],
  [
    'train options hidden differs',
    (m) => {
      const t = JSON.parse(m.train);
      t.options.hidden = 5;
      m.train = JSON.stringify(t);
    },
  ],
  [
    'train options model deep',
    (m) => {
      const t = JSON.parse(m.train);
      t.options.model = '__DEEP__';
      m.train = JSON.stringify(t).replace(DEEP_MARK, DEEP);
    },
  ],
  [
    'train options lr deep',
    (m) => {
      const t = JSON.parse(m.train);
      t.options.lr = '__DEEP__';
      m.train = JSON.stringify(t).replace(DEEP_MARK, DEEP);
    },
  ],
  [
    'train options missing',
    (m) => {
      const t = JSON.parse(m.train);
      delete t.options;
      m.train = JSON.stringify(t);
    },
  ],
  [
    'train progress missing',
    (m) => {
      const t = JSON.parse(m.train);
      delete t.progress;
      m.train = JSON.stringify(t);
    },
  ],
  [
    'train history 200,000 entries',
    (m) => {
      const t = JSON.parse(m.train);
      t.progress.history = Array.from({ length: 200_000 }, (_, i) => ({ iteration: i, loss: 3 - i * 1e-6 }));
      m.train = JSON.stringify(t);
    },
  ],
  [
    'train history deep',
    (m) => {
      const t = JSON.parse(m.train);
      t.progress.history = '__DEEP__';
      m.train = JSON.stringify(t).replace(DEEP_MARK, DEEP);
    },
  ],
  [
    'train data fingerprint deep',
    (m) => {
      const t = JSON.parse(m.train);
      t.data = '__DEEP__';
      m.train = JSON.stringify(t).replace(DEEP_MARK, DEEP);
    },
  ],
  ['format other', (m) => (m.format = 'rnn-from-scratch/9')],
  ['format removed', (m) => delete m.format],
  ['metadata value a number', (m, r) => ((m as Record<string, unknown>)[pick(r, Object.keys(m))] = 42)],
];

/** Edits of one tensor's header entry. */
const ENTRY_EDITS: [string, (e: Record<string, unknown>, r: Rand) => void][] = [
  ['shape absurd', (e) => (e.shape = [1e15, 1e15])],
  ['shape 2^53', (e) => (e.shape = [2 ** 53])],
  ['shape negative', (e) => (e.shape = [-1])],
  ['shape deep', (e) => (e.shape = '__DEEP__')],
  ['shape a million dims', (e) => (e.shape = new Array(1_000_000).fill(1))],
  ['shape transposed', (e) => (e.shape = [...(e.shape as number[])].reverse())],
  ['dtype F16', (e) => (e.dtype = 'F16')],
  ['dtype deep', (e) => (e.dtype = '__DEEP__')],
  ['offsets swapped', (e) => (e.data_offsets = [...(e.data_offsets as number[])].reverse())],
  ['offsets past the end', (e) => (e.data_offsets = [(e.data_offsets as number[])[0], 1e12])],
  ['offsets deep', (e) => (e.data_offsets = '__DEEP__')],
  [
    'entry a string',
    (e) => {
      for (const k of Object.keys(e)) delete e[k];
      e.x = 'y';
    },
  ],
];

export interface Mutant {
  kind: string;
  bytes: Uint8Array;
}

/** Mutant i of `original` (deterministic in seed and i). */
export function mutant(file: Uint8Array, seed: number, i: number): Mutant {
  // NOTE: a copy: a Node Buffer's slice() is a view, and the bit flips below would reach the original
  const original = Uint8Array.from(file);
  const r = mulberry32(seed * 1_000_003 + i);
  const family = i % 8;
  const { header, data } = split(original);
  const names = tensorNames(header);
  switch (family) {
    case 0: {
      const at = Math.floor(r() * original.length);
      return { kind: `truncated to ${at} bytes`, bytes: original.slice(0, at) };
    }
    case 1: {
      const bytes = original.slice();
      const flips = 1 + Math.floor(r() * 8);
      // half of the flips land in the header, where they change meaning rather than a weight
      const headerEnd = original.length - data.length;
      for (let k = 0; k < flips; k++) {
        const at = r() < 0.5 ? Math.floor(r() * headerEnd) : Math.floor(r() * original.length);
        bytes[at] ^= 1 << Math.floor(r() * 8);
      }
      return { kind: `${flips} bit flip(s)`, bytes };
    }
    case 2: {
      const [name, edit] = pick(r, META_EDITS);
      edit(metaOf(header), r);
      // metadata values are strings: a DEEP value inside one stays JSON text, parsed by the loader
      return { kind: `metadata: ${name}`, bytes: join(JSON.stringify(header), data) };
    }
    case 3: {
      const [name, edit] = pick(r, ENTRY_EDITS);
      const t = pick(r, names);
      edit(header[t] as Record<string, unknown>, r);
      return { kind: `tensor ${t}: ${name}`, bytes: join(withDeep(header), data) };
    }
    case 4: {
      // missing tensors: one, all optimizer slots of one kind, all optimizer state, the carried state
      const groups: [string, (n: string) => boolean][] = [
        ['one tensor', (n) => n === pick(r, names)],
        ['optim.m.*', (n) => n.startsWith('optim.m.')],
        ['all optim.*', (n) => n.startsWith('optim.')],
        ['some optim.*', (n) => n.startsWith('optim.') && r() < 0.5],
        ['state.*', (n) => n.startsWith('state.')],
        ['a weight', (n) => n === 'decoder.weight'],
      ];
      const [what, drop] = pick(r, groups);
      for (const n of names) if (drop(n)) delete header[n];
      return { kind: `missing ${what}`, bytes: join(JSON.stringify(header), data) };
    }
    case 5: {
      // an extra tensor pointing into the data, or a duplicate name under another prefix
      const src = header[pick(r, names)] as Record<string, unknown>;
      const extra = pick(r, ['optim.x.decoder.bias', 'state.h_l9', 'rnn.weight_ih_l1', '__proto__', 'optim.m.__proto__', 'constructor']);
      header[extra] = { ...src };
      return { kind: `extra tensor ${extra}`, bytes: join(JSON.stringify(header), data) };
    }
    case 6: {
      // the 8-byte header length: absurd, a little off, zero
      const bytes = original.slice();
      const view = new DataView(bytes.buffer);
      const n = Number(view.getBigUint64(0, true));
      const v = pick(r, [0, 1, n - 1, n + 1, n + 8, 2 ** 40, Number.MAX_SAFE_INTEGER]);
      view.setBigUint64(0, BigInt(v), true);
      return { kind: `header length ${v}`, bytes };
    }
    default: {
      // a weight set to a non-finite or extreme value (an F64 write into the data buffer)
      const bytes = original.slice();
      const t = header[pick(r, names)] as { data_offsets: number[] };
      const [b, e] = t.data_offsets;
      const headerEnd = original.length - data.length;
      const value = pick(r, [NaN, Infinity, -Infinity, 1e308, -1e308, 3.4e38]);
      if (e - b >= 8) new DataView(bytes.buffer).setFloat64(headerEnd + b + 8 * Math.floor(r() * ((e - b) / 8)), value, true);
      return { kind: `a weight set to ${value}`, bytes };
    }
  }
}
