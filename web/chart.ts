// The live loss chart: training loss per iteration (thin), the smoothed loss (thick; the library's
// smoothedLoss: a line fitted to the losses around each iteration, so it runs through the data
// instead of trailing it) and the validation losses (dots), drawn as an SVG that is rebuilt at most
// a few times a second.
// x: iteration, y: nats per character, both linear, axes from the data, each with its title.
// The drawing is as wide as the SVG is on screen (its viewBox is its size in CSS pixels), so the
// labels keep their size on a phone instead of shrinking with a fixed-width picture.

import { smoothedLoss } from '../src/core.ts';

const NS = 'http://www.w3.org/2000/svg';
const H = 240,
  PAD = { left: 58, right: 12, top: 12, bottom: 44 };
const DEFAULT_WIDTH = 640;
const MAX_POINTS = 800; // the training curve is thinned to about this many points

export interface Series {
  train: [number, number][]; // [iteration, loss], one per iteration, in order
  val: [number, number][];
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The indices of the points drawn: every k-th, so a long run still draws quickly (the last is always kept). */
function drawn(n: number): number[] {
  const k = Math.max(1, Math.ceil(n / MAX_POINTS));
  const out: number[] = [];
  for (let i = 0; i < n; i += k) out.push(i);
  if (n > 0 && out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

/** Round tick values: 1, 2 or 5 × 10^k apart, about `n` of them over [lo, hi]. */
function ticks(lo: number, hi: number, n: number): number[] {
  const raw = (hi - lo) / n,
    mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function drawChart(svg: SVGSVGElement, s: Series): void {
  svg.replaceChildren();
  const W = Math.round(svg.clientWidth) || DEFAULT_WIDTH;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const keep = drawn(s.train.length),
    losses = s.train.map((p) => p[1]);
  const train = keep.map((i) => s.train[i]),
    smooth = keep.map((i): [number, number] => [s.train[i][0], smoothedLoss(losses, i)]);
  const all = [...train, ...smooth, ...s.val];
  if (all.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis' }, 'the loss curve appears when training starts'));
    return;
  }
  svg.append(el('text', { x: PAD.left + (W - PAD.left - PAD.right) / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-title' }, 'iteration'));
  svg.append(
    el(
      'text',
      {
        x: 14,
        y: PAD.top + (H - PAD.top - PAD.bottom) / 2,
        'text-anchor': 'middle',
        class: 'axis-title',
        transform: `rotate(-90 14 ${PAD.top + (H - PAD.top - PAD.bottom) / 2})`,
      },
      'loss (nats/char)',
    ),
  );
  // x from just before the first point (0 for a new model, the checkpoint's iteration for a loaded one)
  const xLo = Math.max(0, Math.min(...all.map((p) => p[0])) - 1),
    xMax = Math.max(xLo + 1, ...all.map((p) => p[0]));
  let yLo = Math.min(...all.map((p) => p[1])),
    yHi = Math.max(...all.map((p) => p[1]));
  if (yHi - yLo < 1e-3) [yLo, yHi] = [yLo - 0.5, yHi + 0.5];
  const x = (v: number): number => PAD.left + ((v - xLo) / (xMax - xLo)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - ((v - yLo) / (yHi - yLo)) * (H - PAD.top - PAD.bottom);

  for (const v of ticks(yLo, yHi, 5)) {
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, String(v)));
  }
  const xTicks = Math.max(2, Math.min(6, Math.floor((W - PAD.left - PAD.right) / 70))); // labels about 70 px apart at most
  for (const v of ticks(xLo, xMax, xTicks).filter(Number.isInteger))
    svg.append(el('text', { x: x(v), y: H - PAD.bottom + 16, 'text-anchor': 'middle', class: 'axis' }, String(v)));

  const path = (pts: [number, number][]): string => pts.map(([i, l], k) => `${k === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(l).toFixed(1)}`).join('');
  if (train.length > 0) svg.append(el('path', { d: path(train), class: 'train' }));
  if (smooth.length > 0) svg.append(el('path', { d: path(smooth), class: 'smooth' }));
  for (const [i, l] of s.val) svg.append(el('circle', { cx: x(i), cy: y(l), r: 3.5, class: 'val' }));
}
