// "Look inside": the passage drawn one character per span, coloured by a hidden unit, with the
// model's guesses for the next character shown when a character is pointed at, tapped or focused.
// The passage is one stop of the Tab order (a roving tabindex: only the current character has
// tabindex 0); the arrow keys, Home and End move between its characters. A line break is drawn as
// ↵ followed by the break, so it too can be pointed at and focused.

import type { Guess } from '../src/core.ts';
import type { FromWorker } from './protocol.ts';

export type Trace = Extract<FromWorker, { type: 'inspect' }>;

export interface View {
  layer: number;
  /** Show the LSTM's cell state c (through tanh) instead of h. */
  useC: boolean;
  unit: number;
}

/** The colour of a unit's value v: white at 0, towards blue for v > 0 and red for v < 0 (|v| ≥ 1 full). */
export function unitColour(v: number): [number, number, number] {
  const a = Math.min(1, Math.abs(v)),
    full = v >= 0 ? [40, 100, 230] : [220, 40, 40];
  return full.map((c) => Math.round(255 + a * (c - 255))) as [number, number, number];
}

/** Black or white, whichever contrasts more with the background (WCAG's relative luminance). */
export function textColourOn([r, g, b]: [number, number, number]): string {
  const lin = (c: number): number => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  const L = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return (L + 0.05) / 0.05 >= 1.05 / (L + 0.05) ? '#000' : '#fff';
}

/** The guesses after character i, as one line of text. */
export function guessLine(ch: string, i: number, v: number, guesses: Guess[]): string {
  const list = guesses.map((g) => `${JSON.stringify(g.char)} ${(100 * g.prob).toFixed(1)}%`).join('  ');
  return `after ${JSON.stringify(ch)} (position ${i}, unit value ${v.toFixed(3)}), next: ${list}`;
}

/** Draws `t` into `box`; `show` receives the guess line of the character pointed at or focused. `current` keeps the focused position across redraws. */
export function renderTrace(box: HTMLElement, t: Trace, view: View, show: (line: string) => void, current = 0): void {
  const useC = view.useC && t.c.length > 0;
  const unit = Math.min(Math.max(0, Math.floor(view.unit)), t.hidden - 1);
  const values = (useC ? t.c : t.h)[view.layer];
  const at = Math.min(Math.max(0, current), t.chars.length - 1);
  const spans = t.chars.map((ch, i) => {
    const v = values[i * t.hidden + unit],
      shown = useC ? Math.tanh(v) : v;
    const s = document.createElement('span');
    s.textContent = ch === '\n' ? '↵\n' : ch;
    const bg = unitColour(shown);
    s.style.background = `rgb(${bg.join(', ')})`;
    s.style.color = textColourOn(bg);
    s.dataset.value = v.toFixed(3);
    s.dataset.index = String(i);
    s.tabIndex = i === at ? 0 : -1;
    s.setAttribute('role', 'button');
    s.setAttribute('aria-label', `${ch === '\n' ? 'line break' : ch === ' ' ? 'space' : ch}, position ${i}`);
    const line = (): string => guessLine(ch, i, v, t.guesses[i]);
    s.onmouseenter = () => show(line());
    s.onfocus = () => {
      for (const other of box.querySelectorAll<HTMLElement>('span[tabindex="0"]')) if (other !== s) other.tabIndex = -1;
      s.tabIndex = 0;
      show(line());
    };
    s.onclick = () => s.focus(); // a tap or a click: the guesses stay until another character is chosen
    return s;
  });
  box.replaceChildren(...spans);
  box.onkeydown = (e) => {
    const here = Number((document.activeElement as HTMLElement | null)?.dataset.index ?? NaN);
    if (!Number.isInteger(here)) return;
    const next = { ArrowRight: here + 1, ArrowDown: here + 1, ArrowLeft: here - 1, ArrowUp: here - 1, Home: 0, End: spans.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    spans[Math.min(Math.max(0, next), spans.length - 1)].focus();
  };
}

/** The position of the focused (or last focused) character of the passage, for redrawing. */
export function currentPosition(box: HTMLElement): number {
  return Number(box.querySelector<HTMLElement>('span[tabindex="0"]')?.dataset.index ?? 0);
}
