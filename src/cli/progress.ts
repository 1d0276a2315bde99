// Progress output for `rnn train`: on a terminal one line redrawn in place (carriage return, clear
// line); otherwise plain lines every few seconds, so logs and pipes get a readable record.

import type { TrainProgress } from '../index.ts';
import type { Io } from './io.ts';

/** Carriage return, then "erase the whole line" (ANSI EL 2). */
const CLEAR_LINE = '\r\x1b[2K';
/** Seconds between plain progress lines when stdout is not a terminal. */
export const PLAIN_EVERY_SECONDS = 5;

export const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** 75 → "1:15", 3725 → "1:02:05", Infinity → "?". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = s % 60;
  const two = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** Elapsed time for a summary: "12.3 s" under a minute, else as formatDuration. */
export function formatElapsed(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : formatDuration(seconds);
}

export function progressLine(p: TrainProgress): string {
  return (
    `iter ${thousands(p.iteration)}/${thousands(p.totalIterations)}  epoch ${p.epoch.toFixed(2)}/${p.epochs}  ` +
    `loss ${p.recentLoss.toFixed(3)}  lr ${p.lr.toExponential(2)}  ${thousands(p.charsPerSecond)} chars/s  ETA ${formatDuration(p.etaSeconds)}`
  );
}

/** Writes progress and keeps the terminal line tidy around other output. */
export class ProgressPrinter {
  private live = false; // a progress line is on screen without a newline
  private lastPlain = -Infinity;
  private lastPlainIteration = -1;

  constructor(private readonly io: Io) {}

  update(p: TrainProgress): void {
    if (this.io.isTTY) {
      const line = progressLine(p);
      this.io.out(CLEAR_LINE + line.slice(0, Math.max(10, this.io.columns - 1)));
      this.live = true;
    } else if (p.elapsedSeconds - this.lastPlain >= PLAIN_EVERY_SECONDS) {
      this.plain(p);
    }
  }

  /** Print whole lines of other output (a sample, a message) without mangling the progress line. */
  print(text: string): void {
    this.clear();
    this.io.out(text.endsWith('\n') ? text : text + '\n');
  }

  /** Leave the last progress line on screen and move below it. */
  finish(p: TrainProgress): void {
    if (this.io.isTTY) {
      this.update(p);
      this.io.out('\n');
      this.live = false;
    } else if (p.iteration !== this.lastPlainIteration) {
      this.plain(p);
    }
  }

  private plain(p: TrainProgress): void {
    this.io.out(progressLine(p) + '\n');
    this.lastPlain = p.elapsedSeconds;
    this.lastPlainIteration = p.iteration;
  }

  private clear(): void {
    if (this.live) this.io.out(CLEAR_LINE);
    this.live = false;
  }
}

/** A sample between separator lines. */
export function framedSample(title: string, text: string): string {
  const bar = '-'.repeat(Math.max(8, 60 - title.length - 6));
  return `---- ${title} ${bar}\n${text}${text.endsWith('\n') ? '' : '\n'}${'-'.repeat(60)}\n`;
}
