// A text coloured character by character by a number, as the paper "Visualizing and Understanding
// Recurrent Networks" draws its cells: white at 0, shading to blue toward +1 and to red toward −1
// (its figures colour tanh(c) so). Plain SVG with no dependency: one <rect> per run of equally
// shaded characters and one <text> per run of non-blank characters, each glyph placed on its own
// cell by an x list, so the columns line up in any monospace font. GitHub shows such a file as an image.
//
// Several panels (one per cell, say) stack over the same passage, each with its title.

import { UserError } from '../errors.ts';
import { layoutText } from '../plot/text.ts';

export interface ColoredTextPanel {
  title: string;
  /** One value per character; [−1, 1] spans the colour scale (values outside are clamped). */
  values: ArrayLike<number>;
}

export interface ColoredTextOptions {
  /** A heading above the panels. */
  title?: string;
  /** Characters per row before a row wraps (default 100); a newline also ends its row. */
  columns?: number;
  /** What the colour means, for the legend (default 'value'). */
  legend?: string;
}

const CW = 8, // a character cell: width and height in px
  CH = 15,
  PAD = 10,
  LEVELS = 10; // shades per sign: runs of equal shade share one rect
const BLUE = [33, 102, 172],
  RED = [178, 24, 43];

/** A value's shade: its sign and |value| rounded to one of LEVELS steps (0: white). */
function shade(v: number): number {
  const c = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  return Math.round(c * LEVELS);
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
  // the legend: the scale from −1 to +1 in 2·LEVELS + 1 steps
  out.push(`<text x="${PAD}" y="${y + 11}" font-size="12">${xml(opts.legend ?? 'value')}: −1</text>`);
  const lx = PAD + 8 * (xml(opts.legend ?? 'value').length + 5);
  for (let s = -LEVELS; s <= LEVELS; s++) out.push(`<rect x="${lx + (s + LEVELS) * 10}" y="${y + 1}" width="10" height="12" fill="${fill(s)}"/>`);
  out.push(`<text x="${lx + (2 * LEVELS + 1) * 10 + 4}" y="${y + 11}" font-size="12">+1</text>`);
  y += 22;
  for (const p of panels) {
    out.push(`<text x="${PAD}" y="${y + 12}" font-size="13">${xml(p.title)}</text>`);
    y += 18;
    out.push(`<g transform="translate(${PAD},${y})">`);
    // shading: runs of equal non-white shade along a row
    for (let i = 0; i < chars.length; ) {
      const s = shade(p.values[i]);
      let j = i + 1;
      while (j < chars.length && pos[j].row === pos[i].row && pos[j].col === pos[j - 1].col + 1 && shade(p.values[j]) === s) j++;
      if (s !== 0) out.push(`<rect x="${pos[i].col * CW}" y="${pos[i].row * CH}" width="${(j - i) * CW}" height="${CH}" fill="${fill(s)}"/>`);
      i = j;
    }
    // glyphs: runs of drawn characters along a row in one ink: white on the darkest shades, grey for ↵ and →
    const inkOf = (i: number): string => (Math.abs(shade(p.values[i])) > 0.7 * LEVELS ? '#fff' : chars[i] === '\n' || chars[i] === '\t' ? '#999' : '#000');
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
