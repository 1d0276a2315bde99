// How fast the page trains char-rnn's default LSTM (2 × 128, seq 50, batch 50, RMSprop 2e-3) on
// tinyshakespeare in headless Chromium: `npx tsx test/e2e/speed.ts [seconds]` (default 30).
// Not a test (speed is never asserted): it prints the page's chars/s readings, once a second after
// a warm-up, and their median, and the wall-clock rate (iterations × 2,500 characters over the
// elapsed time, which also pays for validation, samples and messages).

import { chooseModel, launchBrowser, numberIn, openPage, servePreview } from './harness.ts';

const seconds = Number(process.argv[2] ?? 30);
const WARMUP_S = 5;
const server = await servePreview();
const browser = await launchBrowser();
try {
  const { page } = await openPage(browser.context, server.url);
  await chooseModel(page, { kind: 'lstm', layers: 2, hidden: 128, seq: 50, batch: 50, optim: 'rmsprop', lr: 0.002 });
  await page.click('#train');
  await page.waitForSelector('body[data-running="true"]');
  await page.waitForTimeout(WARMUP_S * 1000);
  const it0 = await numberIn(page, '#iteration'),
    t0 = performance.now();
  const readings: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await page.waitForTimeout(1000);
    readings.push(await numberIn(page, '#chars-per-second'));
  }
  const it1 = await numberIn(page, '#iteration'),
    t1 = performance.now();
  await page.click('#pause');
  const sorted = readings.filter(Number.isFinite).sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  console.log(`page readings (chars/s, step time only, 3 s window): ${readings.join(' ')}`);
  console.log(`median over ${seconds} s: ${Math.round(median)} chars/s; min ${sorted[0]}, max ${sorted[sorted.length - 1]}`);
  console.log(`wall clock: ${it1 - it0} iterations in ${((t1 - t0) / 1000).toFixed(1)} s = ${Math.round(((it1 - it0) * 2500) / ((t1 - t0) / 1000))} chars/s`);
} finally {
  await browser.close();
  await server.stop();
}
