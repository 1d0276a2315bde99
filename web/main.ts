// The page: controls, the live chart, samples, the gradient table, "look inside" and checkpoints.
// All model work happens in workers (worker.ts through the messages of protocol.ts, and
// gradcheck-worker.ts for the gradient check); the page only reads files and fields, keeps the
// chosen text, and draws what the workers send back. Its pure logic is in helpers.ts.
//
// Messages: every action a user takes clears the old message first, so what is shown belongs to
// the last action; an error goes to #error (role=alert), anything else to #info (role=status), and
// changes of state (training paused, a sample or a check finished) are announced through #announce.

import shakespeareUrl from '../data/tinyshakespeare.txt?url';
import { decodeUtf8, type GradcheckRow, smoothedLoss, UserError } from '../src/core.ts';
import { drawChart, type Series } from './chart.ts';
import { mountGraphPanel } from './graph-panel.ts';
import { gunzipInBrowser } from './gzip.ts';
import { FIELDS, type FieldId, readField } from './helpers.ts';
import { currentPosition, renderTrace, type Trace } from './inspect-view.ts';
import {
  type FromWorker,
  type GradcheckAnswer,
  type GradcheckRequest,
  type ModelInfo,
  type ModelOptions,
  type ToWorker,
  type TrainRequest,
  UNTIL_PAUSED_EPOCHS,
} from './protocol.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
};
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const button = (id: string): HTMLButtonElement => $<HTMLButtonElement>(id);
/** A numeric field's value, or a UserError naming the field and its range. */
const field = (id: FieldId): number => readField(FIELDS[id], input(id).value);
const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');

// the fields' ranges, for the browser's own hints and spinners; readField enforces them
for (const [id, spec] of Object.entries(FIELDS)) Object.assign(input(id), { min: String(spec.min), max: String(spec.max) });

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(m, transfer);

// ---- messages ---------------------------------------------------------------------------------

function showError(text: string): void {
  $('info').textContent = '';
  $('error').textContent = text;
}

function showInfo(text: string): void {
  $('error').textContent = '';
  $('info').textContent = text;
}

function clearMessages(): void {
  $('error').textContent = '';
  $('info').textContent = '';
}

/** For screen readers: a short line about a change of state (the region is visually hidden). */
function announce(text: string): void {
  const a = $('announce');
  a.textContent = '';
  setTimeout(() => (a.textContent = text), 50); // a change, even to the same words, is read out
}

function failure(err: unknown): void {
  if (err instanceof UserError) showError(err.message);
  else showError(`internal error: ${err instanceof Error ? err.message : String(err)}`);
}

/** What the worker said about the model the last action made (a short text's fitted batch), kept beside what training says next. */
let modelNote = '';

/** A user's action: the old message goes, and any UserError it throws becomes the new one. */
function action(fn: () => void | Promise<void>): () => void {
  return () => {
    clearMessages();
    modelNote = '';
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(failure);
    } catch (err) {
      failure(err);
    }
  };
}

// ---- the text to train on ---------------------------------------------------------------------

let data: { text: string; name: string } | null = null;
let shakespeare: string | null = null;

function useData(text: string, name: string): void {
  data = { text, name };
  const distinct = new Set(text).size;
  $('data-info').textContent = `text: ${name}, ${[...text].length.toLocaleString('en')} characters, ${distinct} distinct. Train a new model to use it.`;
}

async function loadShakespeare(): Promise<void> {
  try {
    const r = await fetch(shakespeareUrl);
    if (!r.ok) throw new UserError(`could not fetch the bundled text (HTTP ${r.status})`);
    shakespeare = decodeUtf8(new Uint8Array(await r.arrayBuffer()), 'tinyshakespeare.txt');
    if (data === null) useData(shakespeare, 'tinyshakespeare.txt');
    $('data-info').dataset.ready = 'true';
  } catch (err) {
    failure(err);
  }
}

/** A dropped or chosen file: strict UTF-8, plain or gzip-compressed, or a message and nothing changes. */
async function useFile(file: File): Promise<void> {
  const text = decodeUtf8(await gunzipInBrowser(new Uint8Array(await file.arrayBuffer()), file.name), file.name);
  useData(text, file.name);
  showInfo(`${file.name} loaded; press "Train a new model" to train on it`);
}

button('use-bundled').onclick = action(() => {
  if (shakespeare === null) throw new UserError('the bundled text is still loading');
  useData(shakespeare, 'tinyshakespeare.txt');
});
button('use-paste').onclick = action(() => {
  const text = $<HTMLTextAreaElement>('paste').value;
  if (text.length === 0) throw new UserError('the pasted text is empty: paste some text into the box first');
  useData(text, 'pasted text');
  showInfo('pasted text taken; press "Train a new model" to train on it');
});
input('text-file').onchange = action(async () => {
  const f = input('text-file').files?.[0];
  input('text-file').value = '';
  if (f) await useFile(f);
});
const dataSection = $('data-section');
dataSection.ondragover = (e) => {
  e.preventDefault();
  dataSection.classList.add('drop');
};
dataSection.ondragleave = () => dataSection.classList.remove('drop');
dataSection.ondrop = (e) => {
  e.preventDefault();
  dataSection.classList.remove('drop');
  const f = e.dataTransfer?.files[0];
  if (f) action(() => useFile(f))();
};

// ---- model and training -----------------------------------------------------------------------

let model: ModelInfo | null = null;
let running = false;
const series: Series = { train: [], val: [] };
let losses: number[] = []; // series.train's losses, for the smoothed loss
let chartDirty = false;

/** The epochs the run should have: the field, or "until paused". */
function epochsWanted(): number {
  return input('until-paused').checked ? UNTIL_PAUSED_EPOCHS : field('epochs');
}

function options(): ModelOptions {
  return {
    model: $<HTMLSelectElement>('kind').value as ModelOptions['model'],
    layers: field('layers'),
    hidden: field('hidden'),
    seqLength: field('seq'),
    batchSize: field('batch'),
    optim: $<HTMLSelectElement>('optim').value as ModelOptions['optim'],
    lr: field('lr'),
    lrDecay: field('lr-decay'),
    epochs: epochsWanted(),
  };
}

function setOptions(o: ModelOptions): void {
  $<HTMLSelectElement>('kind').value = o.model;
  input('layers').value = String(o.layers);
  input('hidden').value = String(o.hidden);
  input('seq').value = String(o.seqLength);
  input('batch').value = String(o.batchSize);
  $<HTMLSelectElement>('optim').value = o.optim;
  input('lr').value = String(o.lr);
  input('lr-decay').value = String(o.lrDecay);
  setEpochs(o.epochs);
}

function setEpochs(epochs: number): void {
  const until = epochs >= UNTIL_PAUSED_EPOCHS;
  input('until-paused').checked = until;
  input('epochs').disabled = until;
  if (!until) input('epochs').value = String(epochs);
  $('epochs-of').textContent = until ? ' (until paused)' : ` of ${epochs}`;
}

input('until-paused').onchange = () => {
  input('epochs').disabled = input('until-paused').checked;
};

function refreshButtons(): void {
  const before = document.activeElement;
  button('pause').disabled = !running;
  button('resume').disabled = running || !model?.trainable;
  button('reset').disabled = model === null;
  document.body.dataset.running = String(running);
  // a button that disabled itself hands the focus to the one that undoes it, not to the page
  if (before instanceof HTMLButtonElement && before.disabled) {
    const next = before.id === 'pause' ? button('resume') : button('pause');
    (next.disabled ? button('train') : next).focus();
  }
}

function trainRequest(): TrainRequest {
  if (data === null) throw new UserError('no text yet: wait for the bundled text, paste some, or drop a file');
  return { text: data.text, name: data.name, options: options() };
}

button('train').onclick = action(() => send({ type: 'init', train: true, ...trainRequest() }));
button('pause').onclick = action(() => send({ type: 'pause' }));
button('resume').onclick = action(() => {
  const epochs = epochsWanted();
  send({ type: 'resume', epochs });
  if (model) model.epochs = epochs;
  setEpochs(epochs);
});
button('reset').onclick = action(() => {
  let page: TrainRequest | null = null;
  if (!model?.trainable) page = trainRequest(); // a model loaded for sampling only takes the page's text and options
  send({ type: 'reset', page });
});

function onModel(info: ModelInfo, message: string): void {
  model = info;
  series.train = [];
  series.val = [];
  losses = [];
  chartDirty = true;
  const name = info.kind.toUpperCase();
  $('model-info').textContent =
    `${name} ${info.layers}×${info.hidden}, vocabulary ${info.vocabSize}, ${info.parameters.toLocaleString('en')} parameters; ${info.origin}${info.trainable ? `; training on ${info.engine}` : ' (sampling only)'}`;
  $('iteration').textContent = String(info.iteration);
  $('epoch').textContent = info.epoch.toFixed(2);
  $('epochs-of').textContent = '';
  for (const id of ['last-loss', 'train-loss', 'val-loss', 'chars-per-second']) $(id).textContent = '–';
  if (info.options) setOptions(info.options);
  $<HTMLTextAreaElement>('passage').value = info.passage;
  const layer = $<HTMLSelectElement>('layer');
  layer.replaceChildren(...Array.from({ length: info.layers }, (_, l) => new Option(String(l), String(l))));
  input('unit').max = String(info.hidden - 1);
  trace = null;
  $('inspect-text').replaceChildren();
  $('guesses').textContent = '';
  $('sample-output').textContent = '';
  document.body.dataset.model = `${info.kind}-${info.layers}x${info.hidden}-${info.origin}`;
  modelNote = message;
  if (message) showInfo(message);
  refreshButtons();
}

function onProgress(p: Extract<FromWorker, { type: 'progress' }>): void {
  const first = p.iteration - p.losses.length + 1;
  p.losses.forEach((l, k) => {
    series.train.push([first + k, l]);
    losses.push(l);
  });
  chartDirty = true;
  $('iteration').textContent = String(p.iteration);
  $('epoch').textContent = p.epoch.toFixed(2);
  $('last-loss').textContent = fmt(p.losses[p.losses.length - 1]);
  $('train-loss').textContent = fmt(smoothedLoss(losses, losses.length - 1));
  $('chars-per-second').textContent = Math.round(p.charsPerSecond).toLocaleString('en');
  if (model) {
    model.iteration = p.iteration;
    model.epoch = p.epoch;
  }
}

function redrawChart(): void {
  chartDirty = false;
  const svg = $('chart') as unknown as SVGSVGElement;
  drawChart(svg, series);
  const last = losses.length > 0 ? smoothedLoss(losses, losses.length - 1) : undefined,
    val = series.val[series.val.length - 1];
  svg.setAttribute(
    'aria-label',
    last !== undefined
      ? `loss curve over ${series.train.length} iterations: smoothed training loss ${fmt(last)}${val ? `, validation loss ${fmt(val[1])}` : ''} nats per character`
      : 'loss curve: no training yet',
  );
}
setInterval(() => {
  if (chartDirty) redrawChart();
}, 250);
new ResizeObserver(() => redrawChart()).observe($('chart'));

// ---- samples ----------------------------------------------------------------------------------

/** Automatic samples while training are at most this long (a long one would slow training). */
const AUTO_SAMPLE_MAX = 500;

function requestSample(auto: boolean): void {
  const length = field('sample-length'),
    temperature = field('temperature');
  send({ type: 'sample', auto, length: auto ? Math.min(length, AUTO_SAMPLE_MAX) : length, temperature, prime: input('prime').value });
  if (!auto) setSampling(true, `sampling… 0 of ${length.toLocaleString('en')} characters`);
}

function setSampling(on: boolean, progress = ''): void {
  $('sample-cancel').hidden = !on;
  $('sample-progress').textContent = progress;
  $('sample-output').setAttribute('aria-busy', String(on));
  document.body.dataset.busySample = String(on);
  if (!on && document.activeElement === $('sample-cancel')) button('sample-btn').focus();
}

button('sample-btn').onclick = action(() => requestSample(false));
button('sample-cancel').onclick = action(() => send({ type: 'cancel-sample' }));
setInterval(() => {
  if (!running || document.body.dataset.busySample === 'true') return;
  try {
    requestSample(true);
  } catch {
    // a field out of range: the user sees it when they press Sample
  }
}, 3000);

function onSample(m: Extract<FromWorker, { type: 'sample' }>): void {
  $('sample-output').textContent = `[iteration ${m.iteration}] ${m.prime}${m.text}`;
  if (m.auto) return;
  setSampling(false);
  const n = [...m.text].length;
  if (m.cancelled) showInfo(`sample cancelled after ${n.toLocaleString('en')} characters`);
  else announce(`sample of ${n.toLocaleString('en')} characters ready`);
}

// ---- gradient check ---------------------------------------------------------------------------

let checker: Worker | null = null;
let checkTimer: ReturnType<typeof setInterval> | null = null;

function setChecking(on: boolean): void {
  $('gradcheck-cancel').hidden = !on;
  button('gradcheck-btn').disabled = on;
  $('gradcheck-table').setAttribute('aria-busy', String(on));
  document.body.dataset.busyGradcheck = String(on);
  if (checkTimer !== null) clearInterval(checkTimer);
  checkTimer = null;
  if (on) {
    const start = performance.now();
    $('gradcheck-summary').textContent = 'checking… (0 s)';
    checkTimer = setInterval(() => ($('gradcheck-summary').textContent = `checking… (${Math.round((performance.now() - start) / 1000)} s)`), 1000);
    $('gradcheck-cancel').focus();
  } else if (document.activeElement === $('gradcheck-cancel') || document.activeElement === document.body) button('gradcheck-btn').focus();
}

button('gradcheck-btn').onclick = action(() => {
  if (!model) throw new UserError('no model yet: press Train, or load a checkpoint');
  const req: GradcheckRequest = {
    kind: model.kind as GradcheckRequest['kind'],
    layers: model.layers,
    hidden: field('gc-hidden'),
    seqLength: field('gc-seq'),
    batch: field('gc-batch'),
    text: data?.text ?? model.passage,
  };
  $('gradcheck-summary').className = '';
  $('gradcheck-table').replaceChildren();
  checker ??= startChecker();
  checker.postMessage(req);
  setChecking(true);
});
button('gradcheck-cancel').onclick = action(() => {
  checker?.terminate(); // the only way to stop a computation in a worker
  checker = null;
  setChecking(false);
  $('gradcheck-summary').textContent = 'cancelled';
  showInfo('gradient check cancelled');
});

function startChecker(): Worker {
  const w = new Worker(new URL('./gradcheck-worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<GradcheckAnswer>) => {
    setChecking(false);
    if (e.data.type === 'error') {
      $('gradcheck-summary').textContent = '';
      return showError(e.data.message);
    }
    onGradcheck(e.data);
  };
  w.onerror = (e) => {
    setChecking(false);
    showError(`the gradient check failed: ${e.message}`);
  };
  return w;
}

function onGradcheck(m: Extract<GradcheckAnswer, { type: 'gradcheck' }>): void {
  const e = (x: number): string => (x === 0 ? '0' : x.toExponential(2));
  const head = ['parameter', 'shape', 'entries vs numeric', 'max |tape − manual|', 'rel tape / manual', 'rel vs numeric', 'result'];
  const row = (r: GradcheckRow): HTMLTableRowElement => {
    const tr = document.createElement('tr');
    tr.className = r.pass ? 'pass' : 'fail';
    for (const cell of [
      r.name,
      `[${r.shape.join(', ')}]`,
      String(r.checked),
      e(r.maxAbsTapeManual),
      e(r.maxRelTapeManual),
      e(r.maxRelNumeric),
      r.pass ? 'PASS' : 'FAIL',
    ]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: cell }));
    }
    return tr;
  };
  const header = document.createElement('tr');
  for (const h of head) header.append(Object.assign(document.createElement('th'), { textContent: h, scope: 'col' }));
  $('gradcheck-table').replaceChildren(header, ...m.rows.map(row));
  const failed = m.rows.filter((r) => !r.pass).length;
  const summary = $('gradcheck-summary');
  summary.className = m.pass ? 'pass-text' : 'fail-text';
  summary.textContent = `${m.pass ? 'PASS' : 'FAIL'}: ${m.rows.length - failed} of ${m.rows.length} parameters pass (${m.config}, loss ${fmt(m.loss, 4)}, ${m.seconds.toFixed(1)} s). Thresholds: tape vs manual 1e-9, vs finite differences 1e-6, relative.`;
  announce(`gradient check: ${m.pass ? 'pass' : 'fail'}, ${m.rows.length - failed} of ${m.rows.length} parameters pass`);
}

// ---- look inside ------------------------------------------------------------------------------

let trace: Trace | null = null;

button('inspect-btn').onclick = action(() => send({ type: 'inspect', text: $<HTMLTextAreaElement>('passage').value, top: 5 }));
for (const id of ['layer', 'cell', 'unit']) $(id).onchange = () => drawTrace(currentPosition($('inspect-text')));

function drawTrace(current = 0): void {
  if (!trace) return;
  renderTrace(
    $('inspect-text'),
    trace,
    {
      layer: Number($<HTMLSelectElement>('layer').value),
      useC: $<HTMLSelectElement>('cell').value === 'c',
      unit: Number(input('unit').value) || 0,
    },
    (line) => ($('guesses').textContent = line),
    current,
  );
}

// ---- checkpoints ------------------------------------------------------------------------------

button('save-btn').onclick = action(() => send({ type: 'save' }));
input('load-file').onchange = action(async () => {
  const f = input('load-file').files?.[0];
  input('load-file').value = '';
  if (!f) return;
  const bytes = await f.arrayBuffer();
  send({ type: 'load', bytes, name: f.name, text: data?.text ?? null, textName: data?.name ?? '' }, [bytes]);
});

function download(bytes: ArrayBuffer, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- the worker's answers ---------------------------------------------------------------------

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'model':
      return onModel(m.info, m.message);
    case 'progress':
      return onProgress(m);
    case 'validation':
      series.val.push([m.iteration, m.loss]);
      chartDirty = true;
      $('val-loss').textContent = fmt(m.loss);
      return;
    case 'state':
      running = m.running;
      if (m.reason) showInfo([modelNote, m.reason].filter((x) => x !== '').join(' '));
      announce(running ? 'training' : `training paused at iteration ${$('iteration').textContent}`);
      return refreshButtons();
    case 'sampling':
      $('sample-progress').textContent = `sampling… ${m.done.toLocaleString('en')} of ${m.length.toLocaleString('en')} characters`;
      return;
    case 'sample':
      return onSample(m);
    case 'inspect':
      trace = m;
      drawTrace();
      announce(`the passage is drawn: ${m.chars.length} characters; Tab into it for the guesses`);
      return;
    case 'saved':
      download(m.bytes, m.name);
      showInfo(`saved ${m.name} (${m.bytes.byteLength.toLocaleString('en')} bytes)`);
      return;
    case 'error':
      if (m.request === 'sample') setSampling(false);
      return showError(m.message);
  }
};
worker.onerror = (e) => showError(`the worker failed: ${e.message}`);

redrawChart();
setEpochs(epochsWanted());
$('epochs-of').textContent = '';
refreshButtons();
void loadShakespeare();

mountGraphPanel();
