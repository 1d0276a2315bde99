// The training log of `rnn train`: one JSON object per line (JSON Lines), for plotting and comparing
// runs later (`rnn plot`). Lines, in order:
//   {"type":"start", "iteration", "time", "data", "charsPerStep", "options"}          each session
//   {"type":"train", "iteration", "epoch", "characters", "loss", "lr", "gradNorm",
//    "charsPerSecond", "elapsedSeconds"}                                            logged steps
//   {"type":"val", "iteration", "epoch", "characters", "loss", "bitsPerChar", "elapsedSeconds"}
// `characters` is training characters seen (iteration × batch × seq); `elapsedSeconds` counts the
// training time of every session of the run. A resumed run first drops the lines after its
// checkpoint's iteration (written after the checkpoint it continues from), then appends.

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type TrainEval, type TrainStep, UserError, writeFileAtomic } from '../index.ts';

export type LogLine =
  | { type: 'start'; iteration: number; time: string; data: string; charsPerStep: number; options: Record<string, unknown> }
  | {
      type: 'train';
      iteration: number;
      epoch: number;
      characters: number;
      loss: number;
      lr: number;
      gradNorm: number;
      charsPerSecond: number;
      elapsedSeconds: number;
    }
  | { type: 'val'; iteration: number; epoch: number; characters: number; loss: number; bitsPerChar: number; elapsedSeconds: number };

/** checkpoints/model.safetensors → checkpoints/model.log.jsonl */
export function logPathFor(checkpointPath: string): string {
  const m = /^(.*[^/\\])\.[^./\\]+$/.exec(checkpointPath);
  return `${m ? m[1] : checkpointPath}.log.jsonl`;
}

export class TrainLog {
  private elapsedBefore = 0; // training seconds of earlier sessions
  private lastElapsed = 0;

  /**
   * Starts a log at `path`: a new run replaces the file; a run resumed at iteration `resumeAt`
   * keeps the lines up to that iteration (and drops unreadable ones, such as a torn last line).
   */
  constructor(
    readonly path: string,
    private readonly charsPerStep: number,
    resumeAt?: number,
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      if (resumeAt === undefined || !existsSync(path)) {
        writeFileAtomic(path, new Uint8Array(0));
        return;
      }
      const kept = readLog(readFileSync(path, 'utf8')).lines.filter((l) => l.iteration <= resumeAt);
      for (const l of kept) if (l.type !== 'start') this.elapsedBefore = Math.max(this.elapsedBefore, l.elapsedSeconds);
      writeFileAtomic(path, new TextEncoder().encode(kept.map((l) => JSON.stringify(l) + '\n').join('')));
    } catch (err) {
      throw new UserError(`cannot write the training log ${path}: ${(err as Error).message}`);
    }
  }

  start(iteration: number, data: string, options: object): void {
    this.write({ type: 'start', iteration, time: new Date().toISOString(), data, charsPerStep: this.charsPerStep, options: { ...options } });
  }

  step(s: TrainStep): void {
    this.lastElapsed = this.elapsedBefore + s.elapsedSeconds;
    const { iteration, epoch, loss, lr, gradNorm, charsPerSecond } = s;
    this.write({
      type: 'train',
      iteration,
      epoch,
      characters: iteration * this.charsPerStep,
      loss,
      lr,
      gradNorm,
      charsPerSecond,
      elapsedSeconds: this.lastElapsed,
    });
  }

  val(e: TrainEval): void {
    const { iteration, epoch, loss, bitsPerChar } = e;
    this.write({ type: 'val', iteration, epoch, characters: iteration * this.charsPerStep, loss, bitsPerChar, elapsedSeconds: this.lastElapsed });
  }

  private write(line: LogLine): void {
    try {
      appendFileSync(this.path, JSON.stringify(line) + '\n');
    } catch (err) {
      throw new UserError(`cannot write the training log ${this.path}: ${(err as Error).message}`);
    }
  }
}

/** The lines of a log; a line that is not a log record (a torn last line after a crash) is counted and skipped. */
export function readLog(text: string): { lines: LogLine[]; skipped: number } {
  const lines: LogLine[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      skipped++;
      continue;
    }
    if (isLogLine(v)) lines.push(v);
    else skipped++;
  }
  return { lines, skipped };
}

function isLogLine(v: unknown): v is LogLine {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const num = (k: string): boolean => typeof o[k] === 'number';
  switch (o.type) {
    case 'start':
      return num('iteration') && num('charsPerStep');
    case 'train':
      return num('iteration') && num('characters') && num('loss') && num('elapsedSeconds');
    case 'val':
      return num('iteration') && num('characters') && num('loss') && num('elapsedSeconds');
    default:
      return false;
  }
}
