// The training worker's work (worker.ts is its entry): answers the page's messages (protocol.ts) with a Session, and trains in
// slices of about SLICE_MS, handing control back to the event loop between slices (setTimeout 0)
// so that pause, sample and the other requests are answered while training runs. A sample is
// drawn the same way, in slices between the training slices, so that it can be cancelled.

import { UserError } from '../src/core.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { Session } from './session.ts';

const SLICE_MS = 100;
/** A slice of sampling: short, since training waits for it. */
const SAMPLE_SLICE_MS = 30;

// The worker's global scope, typed by what is used (the project's types are DOM's, not WebWorker's).
const scope = globalThis as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
};
const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);

const session = new Session();
let running = false;
let timer: ReturnType<typeof setTimeout> | null = null;
/** The sample being drawn, if any. */
let job: {
  chars: Generator<string, unknown, undefined>;
  text: string[];
  done: number;
  length: number;
  prime: string;
  iteration: number;
  auto: boolean;
} | null = null;

function setRunning(on: boolean, reason?: string): void {
  if (on === running) return;
  running = on;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (!on) validate(); // the loss at the pause, for the chart
  post({ type: 'state', running, reason });
  if (on) schedule();
}

function schedule(): void {
  timer = setTimeout(slice, 0);
}

function slice(): void {
  timer = null;
  if (!running) return;
  const tr = session.trainer;
  if (!tr) return setRunning(false, 'no trainable model');
  try {
    post({ type: 'progress', ...session.trainSlice(SLICE_MS) });
  } catch (err) {
    setRunning(false, 'stopped');
    return report(err, 'resume');
  }
  if (tr.done) return setRunning(false, `training finished: the last epoch (${tr.options.epochs}) is done; set more epochs and press Resume to go on`);
  if (session.validationDue) validate();
  schedule();
}

function sampleSlice(): void {
  const j = job;
  if (!j) return;
  const start = performance.now();
  try {
    while (performance.now() - start < SAMPLE_SLICE_MS) {
      const r = j.chars.next();
      if (r.done) break;
      j.text.push(r.value);
      j.done++;
    }
  } catch (err) {
    job = null;
    return report(err, 'sample');
  }
  if (j.done < j.length) {
    if (!j.auto) post({ type: 'sampling', done: j.done, length: j.length });
    setTimeout(sampleSlice, 0);
    return;
  }
  job = null;
  post({ type: 'sample', text: j.text.join(''), prime: j.prime, iteration: j.iteration, auto: j.auto, cancelled: false });
}

function validate(): void {
  const v = session.validate();
  if (v) post({ type: 'validation', ...v });
}

/** A UserError's message is for the user; anything else is a bug, shown as such. */
function report(err: unknown, request: ToWorker['type']): void {
  const message = err instanceof UserError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  if (!(err instanceof UserError)) console.error(err);
  post({ type: 'error', message, request });
}

function handle(m: ToWorker): void {
  switch (m.type) {
    case 'init': {
      const { info, note } = session.init(m); // built before anything stops: a bad text or size changes nothing
      setRunning(false);
      post({ type: 'model', info, message: note });
      return m.train ? setRunning(true) : undefined;
    }
    case 'reset': {
      const { info, note } = session.reset(m.page);
      setRunning(false);
      post({ type: 'model', info, message: ['Reset: a fresh model of the same size; training starts over.', note].filter((s) => s !== '').join(' ') });
      return setRunning(true);
    }
    case 'resume':
      if (!session.trainer)
        throw new UserError(
          session.hasModel
            ? 'this model cannot train (it was loaded without its training state or text): press Train for a new model'
            : 'no model yet: press Train',
        );
      session.setEpochs(m.epochs);
      if (session.trainer.done)
        throw new UserError(`this run has finished its ${session.trainer.options.epochs} epochs: set more epochs, or choose "until paused"`);
      return setRunning(true);
    case 'pause':
      return setRunning(false);
    case 'sample': {
      if (job && m.auto) return; // a sample is being drawn; the next automatic one will come
      const s = session.sample(m);
      const slicing = job !== null; // a sample already being drawn is replaced by the new one, its slices go on
      job = { chars: s.chars, text: [], done: 0, length: m.length, prime: m.prime, iteration: s.iteration, auto: m.auto };
      return slicing ? undefined : sampleSlice();
    }
    case 'cancel-sample': {
      const j = job;
      job = null;
      if (j) post({ type: 'sample', text: j.text.join(''), prime: j.prime, iteration: j.iteration, auto: j.auto, cancelled: true });
      return;
    }
    case 'inspect': {
      const t = session.inspect(m.text, m.top);
      const flat = (per: Float64Array[][]): Float64Array[] =>
        per.map((steps) => {
          const H = steps[0]?.length ?? 0,
            out = new Float64Array(steps.length * H);
          steps.forEach((h, i) => out.set(h, i * H));
          return out;
        });
      const h = flat(t.h),
        c = flat(t.c);
      const info = session.info();
      return post(
        { type: 'inspect', chars: t.chars, layers: info.layers, hidden: info.hidden, h, c, guesses: t.guesses },
        [...h, ...c].map((a) => a.buffer),
      );
    }
    case 'save': {
      const bytes = session.save();
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return post({ type: 'saved', bytes: buffer, name: 'model.safetensors' }, [buffer]);
    }
    case 'load': {
      const wasRunning = running;
      if (wasRunning) setRunning(false);
      try {
        const { info, note } = session.load(new Uint8Array(m.bytes), m.name, m.text === null ? undefined : { text: m.text, name: m.textName });
        return post({ type: 'model', info, message: `loaded ${m.name}: ${note}` });
      } catch (err) {
        if (wasRunning) setRunning(true); // the current model stays, and keeps training
        throw err;
      }
    }
  }
}

/** Answers one message from the page; an error becomes a message to the page, never an uncaught exception. */
export function receive(m: ToWorker): void {
  try {
    handle(m);
  } catch (err) {
    report(err, m.type);
  }
}
