// The web playground in a real browser (Debian's Chromium, headless, driven by playwright-core):
// the page built from web/ and served by Vite's preview server, then `npm run web` as a user runs it.
// The tests of the first block share one page and run in order, as a user's session would: train,
// sample, check gradients, look inside, save and load, then bad input. Each state is screenshotted
// into test/e2e/screenshots/.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseModel, launchBrowser, numberIn, openPage, ROOT, screenshot, serveDev, servePreview } from './harness.ts';

const SHAKESPEARE = join(ROOT, 'data', 'tinyshakespeare.txt');
const shakespeare = readFileSync(SHAKESPEARE, 'utf8');
const shakespeareChars = new Set(shakespeare);
const LN_V = Math.log(shakespeareChars.size); // the loss of a model that guesses uniformly
const scratch = mkdtempSync(join(tmpdir(), 'rnn-e2e-'));

/** `rnn …` through the real executable. */
function rnn(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'rnn.js'), ...args], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`rnn ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The names and shapes in a safetensors file's header. */
function safetensorsHeader(bytes: Uint8Array): Record<string, { shape?: number[] } & Record<string, unknown>> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

const text = async (page: Page, sel: string): Promise<string> => (await page.textContent(sel)) ?? '';

async function waitForIteration(page: Page, atLeast: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById('iteration')!.textContent!.replace(/,/g, '')) >= n, atLeast, { timeout });
}

async function pause(page: Page): Promise<void> {
  await page.click('#pause');
  await page.waitForSelector('body[data-running="false"]');
}

/** Clicks Sample and waits for a new sample; returns it. */
async function sampleNow(page: Page): Promise<string> {
  await page.evaluate(() => (document.getElementById('sample-output')!.textContent = ''));
  await page.click('#sample-btn');
  await page.waitForFunction(() => document.getElementById('sample-output')!.textContent !== '');
  return text(page, '#sample-output');
}

/** Runs "look inside" on `passage`; returns the spans' count. */
async function inspect(page: Page, passage: string): Promise<number> {
  await page.fill('#passage', passage);
  await page.evaluate(() => document.getElementById('inspect-text')!.replaceChildren());
  await page.click('#inspect-btn');
  await page.waitForSelector('#inspect-text span');
  return page.locator('#inspect-text span').count();
}

/** The guesses shown when hovering character i of the passage: [char, percent][]. */
async function guessesAt(page: Page, i: number): Promise<[string, number][]> {
  await page.locator('#inspect-text span').nth(i).hover();
  const line = await text(page, '#guesses');
  const list = line.slice(line.indexOf('next: ') + 6);
  return [...list.matchAll(/("(?:[^"\\]|\\.)*") (\d+\.\d)%/g)].map((m) => [JSON.parse(m[1]) as string, Number(m[2])]);
}

/** The message shown (waiting for one): its text, and 'error' (role=alert) or 'info' (role=status). */
async function message(page: Page): Promise<{ text: string; kind: string }> {
  const box = await page.waitForSelector('#error:not(:empty), #info:not(:empty)');
  const id = await box.getAttribute('id');
  return { text: (await box.textContent()) ?? '', kind: id === 'error' ? 'error' : 'info' };
}

async function clearMessage(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const id of ['error', 'info']) document.getElementById(id)!.textContent = '';
  });
}

// A small GRU trained by the command line (a few seconds) on the bundled text, to load into the page.
const cliCheckpoint = join(scratch, 'cli.safetensors');
beforeAll(() => {
  rnn(
    'train',
    '--data',
    SHAKESPEARE,
    '--model',
    'gru',
    '--layers',
    '2',
    '--hidden',
    '32',
    '--seq',
    '50',
    '--batch',
    '16',
    '--optim',
    'adam',
    '--lr',
    '0.01',
    '--iters',
    '300',
    '--eval-every',
    '0',
    '--sample-every',
    '0',
    '--checkpoint',
    cliCheckpoint,
  );
}, 120_000);

describe('the built page in Chromium', () => {
  let url: string, stopServer: () => Promise<void>, closeBrowser: () => Promise<void>;
  let page: Page, errors: string[];

  beforeAll(async () => {
    ({ url, stop: stopServer } = await servePreview());
    const browser = await launchBrowser();
    closeBrowser = browser.close;
    ({ page, errors } = await openPage(browser.context, url));
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer?.();
  });

  it("has every file its scripts start as workers (the kernels' second thread is a worker inside the training worker)", async () => {
    const assets = join(ROOT, 'web', 'dist', 'assets');
    const names = new Set<string>();
    for (const f of readdirSync(assets).filter((f) => f.endsWith('.js'))) {
      for (const m of readFileSync(join(assets, f), 'utf8').matchAll(/gemm-worker-[\w-]+\.js/g)) names.add(m[0]);
    }
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect(existsSync(join(assets, name)), `web/dist/assets/${name}`).toBe(true);
    const served = await page.evaluate(async (u) => (await fetch(u)).status, `${url}assets/${[...names][0]}`);
    expect(served).toBe(200);
  });

  it('loads, with the bundled tinyshakespeare as the text', async () => {
    expect(await text(page, 'h1')).toBe('rnn-from-scratch playground');
    const info = await text(page, '#data-info');
    expect(info).toContain('tinyshakespeare.txt');
    expect(info).toContain(`${[...shakespeare].length.toLocaleString('en')} characters, ${shakespeareChars.size} distinct`);
    expect(await text(page, '#model-info')).toBe('no model yet');
    await screenshot(page, '01-loaded');
  });

  it('trains a small LSTM in the worker: the loss falls, pause and resume work', async () => {
    await chooseModel(page, { kind: 'lstm', layers: 1, hidden: 32, seq: 50, batch: 20, optim: 'adam', lr: 0.01 });
    await page.click('#train');
    await page.waitForSelector('body[data-running="true"]');
    expect(await text(page, '#model-info')).toMatch(/^LSTM 1×32, vocabulary 65, [\d,]+ parameters; new, on tinyshakespeare\.txt; training on wasm f32 ×2$/); // the fast kernels, both threads (the page is cross-origin isolated)
    await waitForIteration(page, 150);
    // samples are refreshed while it trains
    await page.waitForFunction(() => /^\[iteration \d+\] /.test(document.getElementById('sample-output')!.textContent ?? ''), null, { timeout: 10_000 });
    await pause(page);
    await page.waitForFunction(() => document.getElementById('val-loss')!.textContent !== '–');
    const it1 = await numberIn(page, '#iteration');
    await page.waitForTimeout(1000);
    expect(await numberIn(page, '#iteration')).toBe(it1); // paused means paused
    // An untrained model guesses about uniformly: a loss of ln V nats per character.
    expect(await numberIn(page, '#val-loss')).toBeLessThan(LN_V - 0.8);
    expect(await numberIn(page, '#train-loss')).toBeLessThan(LN_V - 0.3);
    expect(await numberIn(page, '#last-loss')).toBeLessThan(LN_V - 0.3);
    expect(await numberIn(page, '#chars-per-second')).toBeGreaterThan(0);
    expect(await page.locator('#chart path.train').count()).toBe(1);
    expect(await page.locator('#chart circle.val').count()).toBeGreaterThanOrEqual(1);

    await page.click('#resume');
    await waitForIteration(page, it1 + 5);
    await pause(page);
    await screenshot(page, '02-trained');
  });

  it('samples from the model with the chosen temperature, prime and length', async () => {
    await page.fill('#prime', 'ROMEO:');
    await page.fill('#temperature', '0.5');
    await page.fill('#sample-length', '200');
    const s = await sampleNow(page);
    const m = s.match(/^\[iteration (\d+)\] ROMEO:([\s\S]*)$/);
    expect(m, s).not.toBeNull();
    expect(Number(m![1])).toBe(await numberIn(page, '#iteration'));
    expect([...m![2]].length).toBe(200);
    for (const ch of m![2]) expect(shakespeareChars.has(ch)).toBe(true);
    await screenshot(page, '03-sample');
  });

  it('checks the gradients three ways and shows every parameter passing', async () => {
    await page.click('#gradcheck-btn');
    await page.waitForFunction(() => /^(PASS|FAIL)/.test(document.getElementById('gradcheck-summary')!.textContent ?? ''), null, { timeout: 120_000 });
    const names = await page.locator('#gradcheck-table tr td:first-child').allTextContents();
    // PyTorch's nn.LSTM state_dict names for one layer, then the decoder.
    expect(names).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'decoder.weight', 'decoder.bias']);
    expect(await page.locator('#gradcheck-table tr.pass').count()).toBe(6);
    expect(await page.locator('#gradcheck-table tr.fail').count()).toBe(0);
    expect(await text(page, '#gradcheck-summary')).toMatch(/^PASS: 6 of 6 parameters pass \(lstm 1×8, V = 65, seq 10, batch 3/);
    await screenshot(page, '04-gradcheck');
  });

  it('looks inside: colours a passage by one unit and shows the next-character guesses on hover', async () => {
    const passage = 'First Citizen:\nBefore we proceed any further, hear me speak.';
    expect(await inspect(page, passage)).toBe([...passage].length);
    const colours = (): Promise<string[]> => page.locator('#inspect-text span').evaluateAll((spans) => spans.map((s) => (s as HTMLElement).style.background));
    const unit0 = await colours();
    expect(new Set(unit0).size).toBeGreaterThan(1); // the unit's value changes along the text
    await page.fill('#unit', '5');
    await page.dispatchEvent('#unit', 'change');
    expect(await colours()).not.toEqual(unit0);
    const g = await guessesAt(page, 3);
    expect(g).toHaveLength(5);
    const total = g.reduce((s, [, p]) => s + p, 0);
    expect(total).toBeLessThanOrEqual(100.5);
    for (let k = 1; k < g.length; k++) expect(g[k][1]).toBeLessThanOrEqual(g[k - 1][1]);
    expect(await text(page, '#guesses')).toMatch(/^after "s" \(position 3, unit value -?\d\.\d{3}\), next: /);
    await screenshot(page, '05-inspect');
  });

  it('saves the model as a safetensors checkpoint and loads it back', async () => {
    const iteration = await numberIn(page, '#iteration');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-btn')]);
    expect(download.suggestedFilename()).toBe('model.safetensors');
    const saved = join(scratch, 'page.safetensors');
    await download.saveAs(saved);
    const header = safetensorsHeader(readFileSync(saved));
    expect((header.__metadata__ as Record<string, string>).format).toBe('rnn-from-scratch/2');
    expect(header['rnn.weight_ih_l0'].shape).toEqual([128, 65]);
    expect(header['optim.m.decoder.weight'].shape).toEqual([65, 32]); // Adam's state goes with it

    // The command line reads what the page wrote.
    expect(rnn('sample', '--checkpoint', saved, '--length', '20', '--prime', 'KING:')).toMatch(/^KING:/);

    await clearMessage(page);
    await page.setInputFiles('#load-file', saved);
    const m = await message(page);
    expect(m.text).toBe(`loaded page.safetensors: training continues from iteration ${iteration} on tinyshakespeare.txt`);
    expect(await numberIn(page, '#iteration')).toBe(iteration);
    await clearMessage(page);
  });

  it('loads a checkpoint saved by `rnn train`, samples from it and continues its training', async () => {
    await page.setInputFiles('#load-file', cliCheckpoint);
    const m = await message(page);
    expect(m.text).toBe('loaded cli.safetensors: training continues from iteration 300 on tinyshakespeare.txt');
    expect(await text(page, '#model-info')).toMatch(/^GRU 2×32, vocabulary 65, [\d,]+ parameters; loaded from cli\.safetensors; training on wasm f32 ×2$/);
    expect(await page.inputValue('#kind')).toBe('gru'); // the controls show the loaded run's options
    expect(await page.inputValue('#batch')).toBe('16');

    // The page and the command line read the same weights: after each prefix of a passage, the
    // page's most likely next character is the one `rnn sample --argmax` draws after that prefix.
    const passage = 'First Citizen:\nBefore we proceed';
    expect(await inspect(page, passage)).toBe(passage.length);
    const cliNext: string[] = [],
      pageNext: string[] = [];
    for (const i of [0, 2, 5, 9, 13, 17, 21, 24]) {
      // not 14, the newline: nothing to hover
      const prime = passage.slice(0, i + 1);
      const out = rnn('sample', '--checkpoint', cliCheckpoint, '--argmax', '--length', '1', '--prime', prime);
      expect(out.startsWith(prime)).toBe(true);
      cliNext.push([...out.slice(prime.length)][0]);
      pageNext.push((await guessesAt(page, i))[0][0]);
    }
    expect(new Set(cliNext).size, `the model should not guess one character everywhere: ${JSON.stringify(cliNext)}`).toBeGreaterThan(2);
    expect(pageNext).toEqual(cliNext);

    expect(await sampleNow(page)).toMatch(/^\[iteration 300\] ROMEO:/);
    await page.click('#resume');
    await waitForIteration(page, 305);
    await pause(page);
    await screenshot(page, '06-cli-checkpoint');
    await clearMessage(page);
  });

  it('takes a text file dropped on the text box', async () => {
    const dropped = 'To be, or not to be: that is the question.\n';
    const dt = await page.evaluateHandle((t) => {
      const d = new DataTransfer();
      d.items.add(new File([t], 'hamlet.txt', { type: 'text/plain' }));
      return d;
    }, dropped);
    await page.dispatchEvent('#data-section', 'drop', { dataTransfer: dt });
    await page.waitForFunction(() => document.getElementById('data-info')!.textContent!.includes('hamlet.txt'));
    expect(await text(page, '#data-info')).toBe(
      `text: hamlet.txt, ${dropped.length} characters, ${new Set(dropped).size} distinct. Train a new model to use it.`,
    );
    await page.click('#use-bundled');
    expect(await text(page, '#data-info')).toContain('tinyshakespeare.txt');
    await clearMessage(page);
  });

  it('takes a gzip-compressed text file, recognised by its first bytes, whatever its name', async () => {
    const poem = '床前明月光，疑是地上霜。\n';
    await page.setInputFiles('#text-file', { name: 'poem.bin', mimeType: 'application/octet-stream', buffer: gzipSync(Buffer.from(poem)) });
    await page.waitForFunction(() => document.getElementById('data-info')!.textContent!.includes('poem.bin'));
    expect(await text(page, '#data-info')).toBe(`text: poem.bin, ${[...poem].length} characters, ${new Set(poem).size} distinct. Train a new model to use it.`);
    await page.click('#use-bundled');
    await clearMessage(page);
  });

  describe('bad input shows a one-line message and keeps the current model', () => {
    let model: string, iteration: number, dataInfo: string;
    const unchanged = async (): Promise<void> => {
      expect(await text(page, '#model-info')).toBe(model);
      expect(await numberIn(page, '#iteration')).toBe(iteration);
      expect(await text(page, '#data-info')).toBe(dataInfo);
      expect(await sampleNow(page)).toMatch(new RegExp(`^\\[iteration ${iteration}\\] `)); // and it still samples
    };
    const expectError = async (pattern: RegExp): Promise<void> => {
      const m = await message(page);
      expect(m.kind).toBe('error');
      expect(m.text).toMatch(pattern);
      expect(m.text).not.toContain('\n');
      expect(m.text).not.toMatch(/internal error|\bat .*\.(ts|js)/);
    };

    beforeAll(async () => {
      model = await text(page, '#model-info');
      iteration = await numberIn(page, '#iteration');
      dataInfo = await text(page, '#data-info');
      expect(model).toContain('GRU 2×32');
    });

    it('empty text', async () => {
      await page.fill('#paste', '');
      await page.click('#use-paste');
      await expectError(/^the pasted text is empty/);
      await screenshot(page, '07-bad-empty-text');
      await unchanged();
      await clearMessage(page);
    });

    it('a file that is not UTF-8 text', async () => {
      await page.setInputFiles('#text-file', { name: 'latin1.txt', mimeType: 'text/plain', buffer: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) }); // "café" in Latin-1
      await expectError(/^latin1\.txt is not valid UTF-8 text: byte 0x0A at offset 4 does not continue the character starting at offset 3$/);
      await screenshot(page, '08-bad-not-utf8');
      await unchanged();
      await clearMessage(page);
    });

    it('a truncated gzip file', async () => {
      const gz = gzipSync(Buffer.from('To be, or not to be: that is the question.\n'.repeat(50)));
      await page.setInputFiles('#text-file', { name: 'cut.txt.gz', mimeType: 'application/gzip', buffer: gz.subarray(0, gz.length - 12) });
      await expectError(/^cut\.txt\.gz starts like a gzip file but cannot be decompressed: \S/);
      await unchanged();
      await clearMessage(page);
    });

    it('a corrupt checkpoint', async () => {
      const bytes = readFileSync(cliCheckpoint);
      const broken = join(scratch, 'broken.safetensors');
      writeFileSync(broken, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await page.setInputFiles('#load-file', broken);
      await expectError(/^broken\.safetensors is not a checkpoint this page can read: it is cut short, damaged, or another kind of file/);
      await screenshot(page, '09-bad-checkpoint');
      await unchanged();
      await clearMessage(page);
    });

    it('a text too short to train on at all', async () => {
      await page.fill('#paste', 'ab');
      await page.click('#use-paste');
      await page.click('#train');
      await expectError(/^the text is too short to train on: it has 2 characters, and at least 3 are needed/);
      expect(await page.getAttribute('body', 'data-running')).toBe('false');
      dataInfo = await text(page, '#data-info'); // the text was taken; the model was not replaced
      await unchanged();
      await page.click('#use-bundled');
      await clearMessage(page);
    });
  });

  it("loads a model written by PyTorch, and its guesses are PyTorch's", async () => {
    const fixture = join(ROOT, 'test', 'fixtures', 'pytorch');
    await clearMessage(page);
    await page.setInputFiles('#load-file', join(fixture, 'lstm-torch.safetensors'));
    const m = await message(page);
    expect(m.text).toMatch(/^loaded lstm-torch\.safetensors: it holds the model only/);
    expect(await text(page, '#model-info')).toMatch(/^LSTM 2×8, vocabulary 29, [\d,]+ parameters; loaded from lstm-torch\.safetensors \(sampling only\)$/);
    expect(await page.isDisabled('#resume')).toBe(true);

    // scripts/pytorch/make_checkpoint.py recorded PyTorch's logits after reading `prime`.
    const expected = JSON.parse(readFileSync(join(fixture, 'lstm-torch-expected.json'), 'utf8')) as { prime: string; logits: number[] };
    const vocab = JSON.parse(safetensorsHeader(readFileSync(join(fixture, 'lstm-torch.safetensors'))).__metadata__!.vocab as string) as string[];
    const max = Math.max(...expected.logits);
    const e = expected.logits.map((z) => Math.exp(z - max)),
      total = e.reduce((a, b) => a + b, 0);
    const torchTop = e
      .map((p, i): [string, number] => [vocab[i], (100 * p) / total])
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5);
    const n = [...expected.prime].length;
    expect(await inspect(page, expected.prime)).toBe(n);
    const shown = await guessesAt(page, n - 1);
    expect(shown.map(([c]) => c)).toEqual(torchTop.map(([c]) => c));
    shown.forEach(([, p], k) => expect(Math.abs(p - torchTop[k][1])).toBeLessThanOrEqual(0.051));

    await page.fill('#prime', 'the ');
    expect(await sampleNow(page)).toMatch(/^\[iteration 0\] the /);
    await screenshot(page, '10-pytorch-checkpoint');

    // A prime with characters the model does not know is refused with a message naming them.
    await clearMessage(page);
    await page.fill('#prime', 'ROMEO:');
    await page.click('#sample-btn');
    const bad = await message(page);
    expect(bad.kind).toBe('error');
    expect(bad.text).toBe('the prime has characters not in the model\'s vocabulary: "R", "O", "M", "E", ":"');
  });

  it('raised no uncaught error or console error on the way', () => {
    expect(errors).toEqual([]);
  });
});

describe('npm run web', () => {
  it('serves the page with one command, prints its address, continues a CLI run and trains a new model', async () => {
    const server = await serveDev();
    const browser = await launchBrowser();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const { page, errors } = await openPage(browser.context, server.url);
      // Straight after opening the page: the bundled text is the one the CLI run trained on.
      await page.setInputFiles('#load-file', cliCheckpoint);
      expect((await message(page)).text).toBe('loaded cli.safetensors: training continues from iteration 300 on tinyshakespeare.txt');
      await page.click('#resume');
      await waitForIteration(page, 303);
      await pause(page);

      await chooseModel(page, { kind: 'rnn', layers: 1, hidden: 16, seq: 20, batch: 10, optim: 'adagrad', lr: 0.1 });
      await page.click('#train');
      await page.waitForFunction(() => document.getElementById('model-info')!.textContent!.startsWith('RNN 1×16, vocabulary 65'));
      await waitForIteration(page, 20);
      await pause(page);
      await screenshot(page, '11-dev-server');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.stop();
    }
  }, 120_000);
});
