// A text heat map: a passage coloured character by character by a number, as the paper
// "Visualizing and Understanding Recurrent Networks" draws its cells (and Karpathy his neuron
// firings): white at 0, shading to blue toward +1 and to red toward −1 (its figures colour tanh(c)
// so), or, on a sequential scale, white to blue for a quantity with one end such as a probability.
// Plain SVG with no dependency: one <rect> per run of equally shaded characters and one <text> per
// run of non-blank characters, each glyph placed on its own cell by an x list, so the columns line
// up in any monospace font. GitHub shows such a file as an image; textHeatmap wraps it in a Figure
// for the notebooks.
//
// Several panels (one per cell, say) stack over the same passage, each with its title.

import { UserError } from '../errors.ts';
import { Figure } from './render.ts';

/** Where each character of a passage goes in a grid `columns` wide; a newline ends its row. */
export function layoutText(chars: readonly string[], columns: number): { row: number; col: number }[] {
  if (!Number.isInteger(columns) || columns < 1) throw new UserError(`layoutText: columns must be a positive integer, got ${columns}`);
  const out: { row: number; col: number }[] = [];
  let row = 0,
    col = 0;
  for (const ch of chars) {
    if (col >= columns) {
      row++;
      col = 0;
    }
    out.push({ row, col });
    if (ch === '\n') {
      row++;
      col = 0;
    } else col++;
  }
  return out;
}

export interface ColoredTextPanel {
  /** Written above the panel ('' for none). */
  title: string;
  /** One value per character; the options' domain spans the colour scale (values outside are clamped). */
  values: ArrayLike<number>;
}

export interface ColoredTextOptions {
  /** A heading above the panels. */
  title?: string;
  /** Characters per row before a row wraps (default 100); a newline also ends its row. */
  columns?: number;
  /** What the colour means, for the legend (default 'value'). */
  legend?: string;
  /** The values at the two ends of the colour scale (default [−1, 1], a tanh unit's). */
  domain?: [number, number];
  /**
   * 'diverging' (default): red at the low end, white in the middle, blue at the high end, for a
   * signed quantity such as an activation. 'sequential': white at the low end to blue at the high
   * end, for a quantity with one end, such as a probability.
   */
  scheme?: 'diverging' | 'sequential';
}

/** How values map to shades: the domain and the scheme, checked once. */
interface Scale {
  lo: number;
  hi: number;
  sequential: boolean;
}

const CW = 8, // a character cell: width and height in px
  CH = 15,
  PAD = 10,
  LEVELS = 10; // shades per sign: runs of equal shade share one rect
const BLUE = [33, 102, 172],
  RED = [178, 24, 43];

function scaleOf(name: string, opts: ColoredTextOptions): Scale {
  const [lo, hi] = opts.domain ?? [-1, 1];
  if (!(hi > lo)) throw new UserError(`${name}: domain must be [low, high] with low < high, got [${lo}, ${hi}]`);
  return { lo, hi, sequential: opts.scheme === 'sequential' };
}

/**
 * A value's shade, an integer in [−LEVELS, LEVELS] (0: white; a value that is not finite is white):
 * diverging, its place between the domain's middle (0) and its ends (±LEVELS); sequential, between
 * its low end (0) and its high end (LEVELS).
 */
function shade(v: number, { lo, hi, sequential }: Scale): number {
  if (!Number.isFinite(v)) return 0;
  // NOTE: on the default domain [−1, 1], (v − 0) / 1 is v exactly, so shades are those of the value itself
  const c = sequential ? (v - lo) / (hi - lo) : (v - (lo + hi) / 2) / ((hi - lo) / 2);
  return Math.round(Math.max(sequential ? 0 : -1, Math.min(1, c)) * LEVELS);
}

/** A domain end for the legend: −1 and +1 for a signed domain, 0 and 1 otherwise. */
function endLabel(x: number, signed: boolean): string {
  return x < 0 ? `−${-x}` : signed && x > 0 ? `+${x}` : `${x}`;
}

function fill(s: number): string {
  const base = s > 0 ? BLUE : RED;
  const a = Math.abs(s) / LEVELS;
  const mix = base.map((x) => Math.round(255 + (x - 255) * a));
  return `#${mix.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const xml = (s: string): string => s.replace(/[&<>"]/g, (c) => ESC[c]);

/** How a character is drawn: a newline as ↵, a tab as →, other control characters as ·, a blank as nothing. */
function glyph(ch: string): string {
  if (ch === '\n') return '↵';
  if (ch === '\t') return '→';
  if (ch === ' ') return '';
  return /\p{Cc}/u.test(ch) ? '·' : ch;
}

/** `chars` drawn once per panel, each character on a cell shaded by the panel's value there. */
export function coloredTextSvg(chars: readonly string[], panels: readonly ColoredTextPanel[], opts: ColoredTextOptions = {}): string {
  if (panels.length === 0) throw new UserError('coloredTextSvg: no panels');
  const scale = scaleOf('coloredTextSvg', opts);
  for (const p of panels)
    if (p.values.length !== chars.length)
      throw new UserError(`coloredTextSvg: panel '${p.title}' has ${p.values.length} values for ${chars.length} characters`);
  const columns = opts.columns ?? 100;
  const pos = layoutText(chars, columns);
  const rows = (pos.at(-1)?.row ?? 0) + 1;
  // wide enough for the rows and for the titles (about 8 px per character at 13–14 px)
  const longest = Math.max(...[opts.title ?? '', ...panels.map((p) => p.title)].map((t) => [...t].length));
  const width = PAD * 2 + Math.max(columns * CW, Math.ceil(longest * 8.6));
  const out: string[] = [];
  let y = PAD;
  if (opts.title) {
    out.push(`<text x="${PAD}" y="${y + 13}" font-size="14" font-weight="bold">${xml(opts.title)}</text>`);
    y += 22;
  }
  // the legend: the scale from one end of the domain to the other in 2·LEVELS + 1 steps (LEVELS + 1 if sequential)
  const signed = scale.lo < 0 && scale.hi > 0;
  out.push(`<text x="${PAD}" y="${y + 11}" font-size="12">${xml(opts.legend ?? 'value')}: ${endLabel(scale.lo, signed)}</text>`);
  const lx = PAD + 8 * (xml(opts.legend ?? 'value').length + 3 + endLabel(scale.lo, signed).length);
  const first = scale.sequential ? 0 : -LEVELS;
  for (let s = first; s <= LEVELS; s++) out.push(`<rect x="${lx + (s - first) * 10}" y="${y + 1}" width="10" height="12" fill="${fill(s)}"/>`);
  out.push(`<text x="${lx + (LEVELS - first + 1) * 10 + 4}" y="${y + 11}" font-size="12">${endLabel(scale.hi, signed)}</text>`);
  y += 22;
  for (const p of panels) {
    if (p.title !== '') {
      out.push(`<text x="${PAD}" y="${y + 12}" font-size="13">${xml(p.title)}</text>`);
      y += 18;
    }
    out.push(`<g transform="translate(${PAD},${y})">`);
    // shading: runs of equal non-white shade along a row
    for (let i = 0; i < chars.length; ) {
      const s = shade(p.values[i], scale);
      let j = i + 1;
      while (j < chars.length && pos[j].row === pos[i].row && pos[j].col === pos[j - 1].col + 1 && shade(p.values[j], scale) === s) j++;
      if (s !== 0) out.push(`<rect x="${pos[i].col * CW}" y="${pos[i].row * CH}" width="${(j - i) * CW}" height="${CH}" fill="${fill(s)}"/>`);
      i = j;
    }
    // glyphs: runs of drawn characters along a row in one ink: white on the darkest shades, grey for ↵ and →
    const inkOf = (i: number): string =>
      Math.abs(shade(p.values[i], scale)) > 0.7 * LEVELS ? '#fff' : chars[i] === '\n' || chars[i] === '\t' ? '#999' : '#000';
    for (let i = 0; i < chars.length; ) {
      if (glyph(chars[i]) === '') {
        i++;
        continue;
      }
      const color = inkOf(i);
      let j = i + 1;
      while (j < chars.length && glyph(chars[j]) !== '' && pos[j].row === pos[i].row && inkOf(j) === color) j++;
      const xs: number[] = [],
        text: string[] = [];
      for (let k = i; k < j; k++) {
        xs.push(pos[k].col * CW + 1);
        text.push(glyph(chars[k]));
      }
      out.push(`<text x="${xs.join(' ')}" y="${pos[i].row * CH + 11}"${color === '#000' ? '' : ` fill="${color}"`}>${xml(text.join(''))}</text>`);
      i = j;
    }
    out.push('</g>');
    y += rows * CH + 12;
  }
  const height = y + PAD - 12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    '<g font-size="13">',
    ...out,
    '</g>',
    '</svg>',
  ].join('\n');
}

export interface TextHeatmapOptions extends ColoredTextOptions {
  /** Characters per row (default 80). */
  columns?: number;
  /** What the colour means, for the legend (default 'activation'). */
  legend?: string;
}

/**
 * One passage coloured by one number per character (coloredTextSvg with a single panel), as a
 * Figure for a notebook: a hidden unit's activation, or the probability the model gave each character.
 */
export function textHeatmap(chars: readonly string[], values: ArrayLike<number>, opts: TextHeatmapOptions = {}): Promise<Figure> {
  if (chars.length !== values.length) throw new UserError(`textHeatmap: ${chars.length} characters but ${values.length} values`);
  scaleOf('textHeatmap', opts);
  // (a Promise, as the Vega-Lite charts return, though nothing here waits)
  return Promise.resolve(
    new Figure(coloredTextSvg(chars, [{ title: '', values }], { ...opts, columns: opts.columns ?? 80, legend: opts.legend ?? 'activation' })),
  );
}
