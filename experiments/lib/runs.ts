// Resumable training runs for the experiments. A run is a name, a text and the trainer's options;
// it lives in a folder of its own under the runs directory: the latest checkpoint (everything a
// bit-exact resume needs, as `rnn train --resume` uses it) and a JSON record of what the experiment
// measured along the way (its "marks": samples, losses, timings at chosen iterations).
//
// Asking a run to reach iteration N starts it, resumes it from its checkpoint, or finds it already
// there. A run killed at any moment resumes from its last checkpoint and takes bit for bit the
// steps it would have taken (the Trainer's guarantee); marks beyond that checkpoint are dropped and
// measured again, the same way, when the run gets there again.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint, Trainer, type TrainerOptions, trainLoop, UserError, writeFileAtomic } from '../../src/index.ts';
import type { Reporter } from './report.ts';

/** One measurement taken at an iteration: any JSON value. */
export interface Mark<M> {
  iteration: number;
  value: M;
}

export interface RunSpec<M = unknown> {
  /** The run's folder name; two experiments that name the same run share it. */
  name: string;
  text: string;
  /** What the text is, for the reports ("warpeace"). */
  data: string;
  options: Partial<TrainerOptions>;
  /** Train until this iteration (at most the end of the last epoch). */
  until: number;
  /** Validate every this many iterations (default: 10 times in the run). */
  evalEvery?: number;
  /** Save the checkpoint at least every this many iterations (default 200). */
  checkpointEvery?: number;
  /** Iterations at which `mark` measures the model (the run stops there, measures, saves). */
  markAt?: readonly number[];
  mark?: (trainer: Trainer) => M | Promise<M>;
}

export interface RunResult<M> {
  trainer: Trainer;
  marks: Mark<M>[];
  /** Every validation: iteration and loss (nats/char). */
  history: { iteration: number; loss: number }[];
  /** Training wall time over all sittings, and the iterations it covered. */
  seconds: number;
  iterations: number;
  /** Training characters per second over all sittings. */
  charsPerSecond: number;
  /** This call resumed the run or found it finished (rather than starting it). */
  resumed: boolean;
}

interface Record<M> {
  options: Partial<TrainerOptions>;
  data: string;
  marks: Mark<M>[];
  seconds: number;
  iterations: number;
  /** The totals above as they stood when the run reached each stop, so that an experiment sharing
   * the run up to an earlier iteration reports its own part. */
  clock?: { iteration: number; seconds: number; iterations: number }[];
}

/** Train (or resume, or find finished) the run `spec` under `dir`. */
/** Thrown when the abort signal stopped a run; its checkpoint has been saved. */
export class RunInterrupted extends Error {
  constructor(
    readonly run: string,
    readonly iteration: number,
  ) {
    super(`run ${run} stopped at iteration ${iteration} (saved)`);
  }
}

export async function trainRun<M>(dir: string, spec: RunSpec<M>, report: Reporter, threads: 0 | 1 | 2 = 0, signal?: AbortSignal): Promise<RunResult<M>> {
  const folder = join(dir, spec.name);
  mkdirSync(folder, { recursive: true });
  const ckptPath = join(folder, 'latest.safetensors');
  const recPath = join(folder, 'record.json');
  const fresh: Record<M> = { options: spec.options, data: spec.data, marks: [], seconds: 0, iterations: 0 };
  let rec = fresh;
  let trainer: Trainer;
  const resumed = existsSync(ckptPath);
  if (resumed) {
    rec = JSON.parse(readFileSync(recPath, 'utf8')) as Record<M>;
    if (JSON.stringify(rec.options) !== JSON.stringify(spec.options) || rec.data !== spec.data) {
      throw new UserError(`run ${spec.name} in ${folder} was trained with other options or data; delete that folder to start it again`);
    }
    trainer = Trainer.fromCheckpoint(spec.text, loadCheckpoint(ckptPath), { threads });
    rec.marks = rec.marks.filter((m) => m.iteration <= trainer.iteration);
  } else {
    // threads change the speed, not a single bit of the result: they are not part of the run's identity
    trainer = Trainer.fromText(spec.text, { ...spec.options, threads });
  }
  const until = Math.min(spec.until, trainer.totalIterations);
  const evalEvery = spec.evalEvery ?? Math.max(1, Math.round(until / 10));
  const stops = [...new Set([...(spec.markAt ?? []).filter((i) => i <= until), until])].sort((a, b) => a - b);
  const dtype = trainer.options.dtype === 'f32' ? 'F32' : 'F64';
  const writeRecord = (): void => writeFileAtomic(recPath, new TextEncoder().encode(JSON.stringify(rec)));
  const save = (): void => {
    // The record first: a kill between the two writes leaves timings the checkpoint has not reached
    // (a resume drops any mark past the checkpoint and measures it again when it gets there).
    writeRecord();
    saveCheckpoint(ckptPath, trainer.checkpoint({ data: spec.data }), dtype);
  };
  if (trainer.iteration > 0) report.line(`${spec.name}: resuming at iteration ${trainer.iteration} of ${until}`);
  for (const stop of stops) {
    if (trainer.iteration < stop) {
      const before = trainer.iteration,
        seconds = rec.seconds,
        iterations = rec.iterations;
      const t0 = performance.now();
      const account = (iteration: number): void => {
        rec.seconds = seconds + (performance.now() - t0) / 1000;
        rec.iterations = iterations + iteration - before;
      };
      const loop = await trainLoop(trainer, {
        iters: stop - trainer.iteration,
        signal,
        evalEvery,
        checkpointEvery: spec.checkpointEvery ?? 200,
        progressMs: 2000,
        checkpointPath: ckptPath,
        dtype,
        trainInfo: { data: spec.data },
        onProgress: (p) =>
          report.progress(
            spec.name,
            p.iteration,
            until,
            p.recentLoss,
            p.charsPerSecond,
            p.sessionIterations > 0 ? ((until - p.iteration) * p.elapsedSeconds) / p.sessionIterations : Infinity,
          ),
        // the loop has just saved the checkpoint: bring the record's timings up to it
        onCheckpoint: (_path, iteration) => {
          account(iteration);
          writeRecord();
        },
      });
      account(trainer.iteration);
      if (trainer.iteration === stop)
        rec.clock = [...(rec.clock ?? []).filter((c) => c.iteration !== stop), { iteration: stop, seconds: rec.seconds, iterations: rec.iterations }];
      if (loop.stoppedBy === 'signal') {
        save();
        throw new RunInterrupted(spec.name, trainer.iteration);
      }
      // saved before measuring: the loop's closing validation is in the checkpoint even if the
      // measurement fails; a mark the checkpoint has reached but the record lacks is measured on resume
      save();
    }
    if (spec.mark && (spec.markAt ?? []).includes(stop) && !rec.marks.some((m) => m.iteration === stop)) {
      rec.marks.push({ iteration: stop, value: await spec.mark(trainer) });
      writeRecord();
    }
  }
  report.done(spec.name);
  // a run trained past `until` by another experiment: the totals as they stood at `until`
  const at = trainer.iteration > until ? rec.clock?.find((c) => c.iteration === until) : undefined;
  const seconds = at?.seconds ?? rec.seconds,
    iterations = at?.iterations ?? rec.iterations;
  return {
    // a run shared with an experiment that trained it further reports only its own part
    trainer,
    marks: rec.marks,
    history: trainer.history.filter((r) => r.iteration <= until).map((r) => ({ ...r })),
    seconds,
    iterations,
    charsPerSecond: seconds > 0 ? (iterations * trainer.charsPerStep) / seconds : NaN,
    resumed,
  };
}
