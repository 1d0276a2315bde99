// What the experiments measure in generated text: words, repetition, entropy, brackets, C lines,
// undeclared identifiers, LaTeX environments, and the form of Tang poems. Each is a plain function
// of strings, tested on small hand-made texts with known answers (test/experiments/measures.test.ts),
// and each is applied to the training text too, so a sample is always read beside real text.

/** The words of a text: maximal runs of letters (any script) and apostrophes inside them. */
export function words(text: string): string[] {
  return text.match(/\p{L}+(?:'\p{L}+)*/gu) ?? [];
}

/** Mean length of the words, in characters; NaN without words. */
export function meanWordLength(text: string): number {
  const w = words(text);
  return w.length === 0 ? NaN : w.reduce((s, x) => s + [...x].length, 0) / w.length;
}

/** Share of the text's words that are in `known` (compared in lower case); NaN without words. */
export function knownWordShare(text: string, known: ReadonlySet<string>): number {
  const w = words(text);
  return w.length === 0 ? NaN : w.filter((x) => known.has(x.toLowerCase())).length / w.length;
}

/** The distinct words of a text, in lower case. */
export function vocabulary(text: string): Set<string> {
  return new Set(words(text).map((w) => w.toLowerCase()));
}

/** Distinct words / words (lower case); NaN without words. */
export function distinctWordRatio(text: string): number {
  const w = words(text).map((x) => x.toLowerCase());
  return w.length === 0 ? NaN : new Set(w).size / w.length;
}

/** Empirical entropy of the text's characters (code points), bits per character. */
export function charEntropy(text: string): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const ch of text) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const c of counts.values()) h -= (c / n) * Math.log2(c / n);
  return n === 0 ? NaN : h + 0; // + 0: no -0 for a one-character text
}

/**
 * The longest substring that occurs at least twice (the occurrences may overlap), in code points:
 * a binary search on the length, each length checked with a set of the substrings.
 */
export function longestRepeat(text: string): string {
  const cps = [...text];
  const repeatOf = (len: number): string | null => {
    if (len === 0) return '';
    const seen = new Set<string>();
    for (let i = 0; i + len <= cps.length; i++) {
      const s = cps.slice(i, i + len).join('');
      if (seen.has(s)) return s;
      seen.add(s);
    }
    return null;
  };
  let lo = 0,
    hi = cps.length - 1,
    best = '';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = repeatOf(mid);
    if (r !== null) {
      best = r;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

export interface BracketCount {
  open: number;
  close: number;
  /** Closing brackets with no open bracket of their kind before them. */
  unmatchedClose: number;
  /** Open brackets still open at the end. */
  unclosed: number;
}

/**
 * Bracket balance for each pair, each kind counted on its own (so `(]` is not a mismatch here; see
 * `nestingErrors` for that). Inside a sample, an unclosed bracket at the very end is expected: the
 * text is cut off, so read `unmatchedClose` as the sharper measure.
 */
export function bracketBalance(text: string, pairs: readonly string[] = ['{}', '()', '[]']): { [pair: string]: BracketCount } {
  const out: { [pair: string]: BracketCount } = {};
  for (const pair of pairs) {
    const [o, c] = [...pair];
    let depth = 0;
    const r: BracketCount = { open: 0, close: 0, unmatchedClose: 0, unclosed: 0 };
    for (const ch of text) {
      if (ch === o) {
        r.open++;
        depth++;
      } else if (ch === c) {
        r.close++;
        if (depth === 0) r.unmatchedClose++;
        else depth--;
      }
    }
    r.unclosed = depth;
    out[pair] = r;
  }
  return out;
}

/** Closing brackets that do not close the innermost open bracket (all kinds on one stack). */
export function nestingErrors(text: string, pairs: readonly string[] = ['{}', '()', '[]']): number {
  const closeOf = new Map(pairs.map((p) => [[...p][0], [...p][1]]));
  const closers = new Set(pairs.map((p) => [...p][1]));
  const stack: string[] = [];
  let errors = 0;
  for (const ch of text) {
    if (closeOf.has(ch)) stack.push(closeOf.get(ch)!);
    else if (closers.has(ch)) {
      if (stack.at(-1) === ch) stack.pop();
      else errors++;
    }
  }
  return errors;
}

/**
 * Share of non-blank lines that end as a line of C does: with `;`, `{`, `}`, `,`, `:` (labels,
 * `case`), `)` (a condition before a braceless body, a macro call), `\` (a continued macro), `*​/`,
 * or that are a preprocessor directive or a comment line. NaN without non-blank lines.
 */
export function cLineShare(text: string): number {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) return NaN;
  const ok = lines.filter((l) => {
    const t = l.trimStart();
    if (t.startsWith('#') || t.startsWith('//') || t.startsWith('/*') || t.startsWith('*')) return true;
    return /[;{},:)\\]$/.test(l) || l.endsWith('*/');
  });
  return ok.length / lines.length;
}

const NOT_TYPES = new Set('return else case goto sizeof do if while for switch break continue default typeof defined'.split(' '));
const C_TYPES = new Set(
  'char short int long float double void bool unsigned signed u8 u16 u32 u64 s8 s16 s32 s64 __u8 __u16 __u32 __u64 __le32 __be32'.split(' '),
);

const C_KEYWORDS = new Set(
  (
    'auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while bool true false NULL ' +
    'u8 u16 u32 u64 s8 s16 s32 s64 size_t ssize_t loff_t __u8 __u16 __u32 __u64 __user __init __exit __iomem __rcu __read_mostly likely unlikely defined ' +
    'include define ifdef ifndef endif elif undef pragma error'
  ).split(' '),
);

/**
 * Identifiers a sample of C uses as variables without declaring them anywhere in the sample.
 * Declared: a name right after a type (a C type keyword, `struct X`, `X_t` or a known kernel type,
 * with any `*`s between), after `#define`, or a function's name before its parameter list at the
 * start of a line. Used as a variable: any other identifier that is not a keyword, not called
 * (`f(`), not a member (`.x`, `->x`), not a struct or enum tag, not a macro-like ALL_CAPS name and
 * not a label or goto target. Cut-off code declares things outside the sample, so compare with real
 * code windows of the same size.
 */
export function undeclaredIdentifiers(code: string): { used: number; undeclared: string[] } {
  const text = code.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, ' ');
  const declared = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)(\s*[*\s]\s*\**\s*)([A-Za-z_]\w*)\s*(?=[;=,)[(])/g)) {
    const [, type, between, name] = m;
    if (NOT_TYPES.has(type) || NOT_TYPES.has(name)) continue;
    const before = text.slice(Math.max(0, m.index - 12), m.index);
    // "x * y" is a product unless x is surely a type or the words start a statement or a parameter
    const surelyType =
      C_TYPES.has(type) ||
      /_t$/.test(type) ||
      /\b(?:struct|union|enum)\s+$/.test(before) ||
      /(?:^|[\n(,{;])\s*(?:(?:const|static|unsigned|signed|volatile)\s+)*$/.test(before);
    if (between.includes('*') && !surelyType) continue;
    declared.add(name);
  }
  for (const m of text.matchAll(/,\s*\**\s*([A-Za-z_]\w*)\s*(?=[;=,[])/g)) declared.add(m[1]);
  for (const m of text.matchAll(/#\s*define\s+([A-Za-z_]\w*)/g)) declared.add(m[1]);
  // a macro's parameters: "#define F(a, b)"
  for (const m of text.matchAll(/#\s*define\s+\w+\(([^)]*)\)/g)) for (const p of m[1].split(',')) declared.add(p.trim());
  const used = new Set<string>();
  for (const m of text.matchAll(/([.>]|->)?\s*\b([A-Za-z_]\w*)\b(\s*\()?(\s*:(?!:))?/g)) {
    const [, member, name, call, label] = m;
    if (member || call || label || C_KEYWORDS.has(name) || /^[A-Z0-9_]+$/.test(name) || /_t$/.test(name)) continue;
    const before = text.slice(Math.max(0, m.index - 8), m.index);
    if (/\b(?:struct|union|enum|goto)\s*$/.test(before)) continue;
    used.add(name);
  }
  const undeclared = [...used].filter((n) => !declared.has(n)).sort();
  return { used: used.size, undeclared };
}

export interface LatexCount {
  begins: number;
  ends: number;
  /** \end{x} that closes the innermost open \begin{x}. */
  matched: number;
  /** \end{y} while the innermost open environment is x ≠ y, or with none open. */
  mismatched: number;
  /** \begin left open at the end. */
  unclosed: number;
  /** Unescaped braces: open minus close at the end, and closes with none open. */
  braceDepthAtEnd: number;
  unmatchedCloseBraces: number;
}

/** \begin{…}/\end{…} pairing and brace balance of LaTeX (comments after an unescaped % dropped). */
export function latexBalance(tex: string): LatexCount {
  const text = tex.replace(/(^|[^\\])%[^\n]*/g, '$1');
  const r: LatexCount = { begins: 0, ends: 0, matched: 0, mismatched: 0, unclosed: 0, braceDepthAtEnd: 0, unmatchedCloseBraces: 0 };
  const stack: string[] = [];
  for (const m of text.matchAll(/\\(begin|end)\s*\{([^{}]*)\}/g)) {
    if (m[1] === 'begin') {
      r.begins++;
      stack.push(m[2]);
    } else {
      r.ends++;
      if (stack.at(-1) === m[2]) {
        stack.pop();
        r.matched++;
      } else {
        r.mismatched++;
        // an \end that closes an environment further down the stack closes those above it too
        const k = stack.lastIndexOf(m[2]);
        if (k >= 0) stack.length = k;
      }
    }
  }
  r.unclosed = stack.length;
  let depth = 0;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\') {
      i++; // \{ and \} are literal braces; \\ is a line break
      continue;
    }
    if (chars[i] === '{') depth++;
    else if (chars[i] === '}') {
      if (depth === 0) r.unmatchedCloseBraces++;
      else depth--;
    }
  }
  r.braceDepthAtEnd = depth;
  return r;
}

const CLAUSE_END = /[，。？！；]/u;
const FULL_STOP = /[。？！；]/u;

/** A poem's lines: the runs of characters that end in one of ，。？！；, with their end mark. */
export function poemLines(poem: string): { text: string; mark: string }[] {
  const out: { text: string; mark: string }[] = [];
  let cur = '';
  for (const ch of poem.trim()) {
    if (CLAUSE_END.test(ch)) {
      out.push({ text: cur, mark: ch });
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') out.push({ text: cur, mark: '' });
  return out;
}

export interface PoemForm {
  poems: number;
  lines: number;
  /** Lines of exactly 5 or 7 characters. */
  fiveOrSeven: number;
  /** Poems of 4 or 8 lines, all of one length, 5 or 7: the regulated forms (jueju, lüshi). */
  regular: number;
  /** Poems whose lines end alternately in ， and a full stop (。？！；), starting with ，. */
  alternating: number;
}

/** The form of poems, one per line (as in tang-poems.txt); a poem cut off without its final mark is still counted. */
export function poemForm(poemsText: string): PoemForm {
  const poems = poemsText
    .split('\n')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const r: PoemForm = { poems: poems.length, lines: 0, fiveOrSeven: 0, regular: 0, alternating: 0 };
  for (const p of poems) {
    const lines = poemLines(p);
    const lens = lines.map((l) => [...l.text].length);
    r.lines += lines.length;
    r.fiveOrSeven += lens.filter((n) => n === 5 || n === 7).length;
    if ((lines.length === 4 || lines.length === 8) && (lens[0] === 5 || lens[0] === 7) && lens.every((n) => n === lens[0])) r.regular++;
    if (lines.length >= 2 && lines.every((l, i) => (i % 2 === 0 ? l.mark === '，' : FULL_STOP.test(l.mark)))) r.alternating++;
  }
  return r;
}

/** The names of a names sample: its non-empty lines, trimmed. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Share of `items` found in `known`; NaN for none. */
export function shareIn(items: readonly string[], known: ReadonlySet<string>): number {
  return items.length === 0 ? NaN : items.filter((x) => known.has(x)).length / items.length;
}
