// The page: controls, the live chart, samples, the gradient table, "look inside" and checkpoints.
// All model work happens in the worker (worker.ts, through the messages of protocol.ts); the page
// only reads files, keeps the chosen text, and draws what the worker sends back.

import { UserError, decodeUtf8, type GradcheckRow, type Guess } from '../src/index.ts';
import shakespeareUrl from '../data/tinyshakespeare.txt?url';
import { drawChart, type Series } from './chart.ts';
import { gunzipInBrowser } from './gzip.ts';
import type { FromWorker, ModelInfo, ModelOptions, ToWorker } from './protocol.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
};
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const num = (id: string): number => Number(input(id).value);
const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(m, transfer);

// ---- messages ---------------------------------------------------------------------------------

function show(text: string, kind: 'error' | 'info' = 'info'): void {
  const box = $('message');
  box.textContent = text;
  box.className = kind;
  box.hidden = text === '';
}

function failure(err: unknown): void {
  if (err instanceof UserError) show(err.message, 'error');
  else show(`internal error: ${err instanceof Error ? err.message : String(err)}`, 'error');
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
    const info = $('data-info');
    info.dataset.ready = 'true';
  } catch (err) {
    failure(err);
  }
}

/** A dropped or chosen file: strict UTF-8, plain or gzip-compressed, or a message and nothing changes. */
async function useFile(file: File): Promise<void> {
  try {
    const text = decodeUtf8(await gunzipInBrowser(new Uint8Array(await file.arrayBuffer()), file.name), file.name);
    useData(text, file.name);
    show(`${file.name} loaded; press "Train a new model" to train on it`);
  } catch (err) {
    failure(err);
  }
}

$('use-bundled').onclick = () => {
  if (shakespeare === null) return show('the bundled text is still loading', 'error');
  useData(shakespeare, 'tinyshakespeare.txt');
  show('');
};
$('use-paste').onclick = () => {
  const text = $<HTMLTextAreaElement>('paste').value;
  if (text.length === 0) return show('the pasted text is empty: paste some text into the box first', 'error');
  useData(text, 'pasted text');
  show('pasted text taken; press "Train a new model" to train on it');
};
input('text-file').onchange = () => {
  const f = input('text-file').files?.[0];
  if (f) void useFile(f);
  input('text-file').value = '';
};
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
  if (f) void useFile(f);
};

// ---- model and training -----------------------------------------------------------------------

let model: ModelInfo | null = null;
let running = false;
const series: Series = { train: [], smooth: [], val: [] };
let chartDirty = false;

function options(): ModelOptions {
  return {
    model: $<HTMLSelectElement>('kind').value as ModelOptions['model'], layers: num('layers'), hidden: num('hidden'),
    seqLength: num('seq'), batchSize: num('batch'), optim: $<HTMLSelectElement>('optim').value as ModelOptions['optim'], lr: num('lr'),
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
}

function refreshButtons(): void {
  $<HTMLButtonElement>('pause').disabled = !running;
  $<HTMLButtonElement>('resume').disabled = running || !model?.trainable;
  $<HTMLButtonElement>('reset').disabled = model === null;
  document.body.dataset.running = String(running);
}

$('train').onclick = () => {
  if (data === null) return show('no text yet: wait for the bundled text, paste some, or drop a file', 'error');
  show('');
  send({ type: 'init', text: data.text, name: data.name, options: options(), train: true });
};
$('pause').onclick = () => send({ type: 'pause' });
$('resume').onclick = () => send({ type: 'resume' });
$('reset').onclick = () => send({ type: 'reset' });

function onModel(info: ModelInfo, message: string): void {
  model = info;
  series.train = [];
  series.smooth = [];
  series.val = [];
  chartDirty = true;
  const name = info.kind.toUpperCase();
  $('model-info').textContent = `${name} ${info.layers}×${info.hidden}, vocabulary ${info.vocabSize}, ${info.parameters.toLocaleString('en')} parameters; ${info.origin}${info.trainable ? `; training on ${info.engine}` : ' (sampling only)'}`;
  $('iteration').textContent = String(info.iteration);
  $('epoch').textContent = '0';
  for (const id of ['train-loss', 'val-loss', 'chars-per-second']) $(id).textContent = '–';
  if (info.options) setOptions(info.options);
  $<HTMLTextAreaElement>('passage').value = info.passage;
  const layer = $<HTMLSelectElement>('layer');
  layer.replaceChildren(...Array.from({ length: info.layers }, (_, l) => new Option(String(l), String(l))));
  input('unit').max = String(info.hidden - 1);
  trace = null;
  $('inspect-text').replaceChildren();
  $('sample-output').textContent = '';
  $('gradcheck-summary').textContent = '';
  $('gradcheck-table').replaceChildren();
  document.body.dataset.model = `${info.kind}-${info.layers}x${info.hidden}-${info.origin}`;
  if (message) show(message);
  refreshButtons();
}

function onProgress(p: Extract<FromWorker, { type: 'progress' }>): void {
  const first = p.iteration - p.losses.length + 1;
  p.losses.forEach((l, k) => series.train.push([first + k, l]));
  series.smooth.push([p.iteration, p.smoothLoss]);
  chartDirty = true;
  $('iteration').textContent = String(p.iteration);
  $('epoch').textContent = p.epoch.toFixed(2);
  $('train-loss').textContent = fmt(p.smoothLoss);
  $('chars-per-second').textContent = Math.round(p.charsPerSecond).toLocaleString('en');
  if (model) model.iteration = p.iteration;
}

setInterval(() => {
  if (!chartDirty) return;
  chartDirty = false;
  drawChart($('chart') as unknown as SVGSVGElement, series);
}, 250);

// ---- samples ----------------------------------------------------------------------------------

function requestSample(auto: boolean): void {
  send({ type: 'sample', auto, length: num('sample-length'), temperature: num('temperature'), prime: input('prime').value });
}
$('sample-btn').onclick = () => requestSample(false);
setInterval(() => {
  if (running) requestSample(true);
}, 3000);

// ---- gradient check ---------------------------------------------------------------------------

$('gradcheck-btn').onclick = () => {
  $('gradcheck-summary').textContent = 'checking…';
  $('gradcheck-table').replaceChildren();
  send({ type: 'gradcheck', hidden: num('gc-hidden'), seqLength: num('gc-seq'), batch: num('gc-batch') });
};

function onGradcheck(m: Extract<FromWorker, { type: 'gradcheck' }>): void {
  const e = (x: number): string => (x === 0 ? '0' : x.toExponential(2));
  const head = ['parameter', 'shape', 'entries vs numeric', 'max |tape − manual|', 'rel tape / manual', 'rel vs numeric', 'result'];
  const row = (r: GradcheckRow): HTMLTableRowElement => {
    const tr = document.createElement('tr');
    tr.className = r.pass ? 'pass' : 'fail';
    for (const cell of [r.name, `[${r.shape.join(', ')}]`, String(r.checked), e(r.maxAbsTapeManual), e(r.maxRelTapeManual), e(r.maxRelNumeric), r.pass ? 'PASS' : 'FAIL']) {
      tr.append(Object.assign(document.createElement('td'), { textContent: cell }));
    }
    return tr;
  };
  const header = document.createElement('tr');
  for (const h of head) header.append(Object.assign(document.createElement('th'), { textContent: h }));
  $('gradcheck-table').replaceChildren(header, ...m.rows.map(row));
  const failed = m.rows.filter((r) => !r.pass).length;
  const summary = $('gradcheck-summary');
  summary.className = m.pass ? 'pass-text' : 'fail-text';
  summary.textContent = `${m.pass ? 'PASS' : 'FAIL'}: ${m.rows.length - failed} of ${m.rows.length} parameters pass (${m.config}, loss ${fmt(m.loss, 4)}, ${m.seconds.toFixed(1)} s). Thresholds: tape vs manual 1e-9, vs finite differences 1e-6, relative.`;
}

// ---- look inside ------------------------------------------------------------------------------

let trace: Extract<FromWorker, { type: 'inspect' }> | null = null;

$('inspect-btn').onclick = () => send({ type: 'inspect', text: $<HTMLTextAreaElement>('passage').value, top: 5 });
for (const id of ['layer', 'cell', 'unit']) $(id).onchange = () => renderTrace();

function renderTrace(): void {
  if (!trace) return;
  const t = trace;
  const layer = Number($<HTMLSelectElement>('layer').value);
  const useC = $<HTMLSelectElement>('cell').value === 'c' && t.c.length > 0;
  const unit = Math.min(Math.max(0, Math.floor(num('unit'))), t.hidden - 1);
  const values = (useC ? t.c : t.h)[layer];
  const spans = t.chars.map((ch, i) => {
    const v = values[i * t.hidden + unit], shown = useC ? Math.tanh(v) : v;
    const s = document.createElement('span');
    s.textContent = ch;
    const a = Math.min(1, Math.abs(shown)).toFixed(2);
    s.style.background = shown >= 0 ? `rgba(40, 100, 230, ${a})` : `rgba(220, 40, 40, ${a})`;
    s.dataset.value = v.toFixed(3);
    s.onmouseenter = () => showGuesses(ch, i, v, t.guesses[i]);
    return s;
  });
  $('inspect-text').replaceChildren(...spans);
}

function showGuesses(ch: string, i: number, v: number, guesses: Guess[]): void {
  const list = guesses.map((g) => `${JSON.stringify(g.char)} ${(100 * g.prob).toFixed(1)}%`).join('  ');
  $('guesses').textContent = `after ${JSON.stringify(ch)} (position ${i}, unit value ${v.toFixed(3)}), next: ${list}`;
}

// ---- checkpoints ------------------------------------------------------------------------------

$('save-btn').onclick = () => send({ type: 'save' });
input('load-file').onchange = async () => {
  const f = input('load-file').files?.[0];
  input('load-file').value = '';
  if (!f) return;
  const bytes = await f.arrayBuffer();
  send({ type: 'load', bytes, name: f.name, text: data?.text ?? null, textName: data?.name ?? '' }, [bytes]);
};

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
    case 'model': return onModel(m.info, m.message);
    case 'progress': return onProgress(m);
    case 'validation':
      series.val.push([m.iteration, m.loss]);
      chartDirty = true;
      $('val-loss').textContent = fmt(m.loss);
      return;
    case 'state':
      running = m.running;
      if (m.reason) show(m.reason);
      return refreshButtons();
    case 'sample':
      $('sample-output').textContent = `[iteration ${m.iteration}] ${m.prime}${m.text}`;
      return;
    case 'gradcheck': return onGradcheck(m);
    case 'inspect':
      trace = m;
      return renderTrace();
    case 'saved':
      download(m.bytes, m.name);
      show(`saved ${m.name} (${m.bytes.byteLength.toLocaleString('en')} bytes)`);
      return;
    case 'error':
      if (m.request === 'gradcheck') $('gradcheck-summary').textContent = '';
      return show(m.message, 'error');
  }
};
worker.onerror = (e) => show(`the worker failed: ${e.message}`, 'error');

drawChart($('chart') as unknown as SVGSVGElement, series);
refreshButtons();
void loadShakespeare();
