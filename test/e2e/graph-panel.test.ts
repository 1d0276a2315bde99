// "See the graph" in a real browser: the built page draws the tape's graph for the chosen cell at
// T = 3 (Graphviz in WebAssembly, in the page), every step and every parameter is there, and
// hovering a node shows its value and gradient.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot, servePreview } from './harness.ts';

describe('the graph panel', () => {
  let stopServer: () => Promise<void>, closeBrowser: () => Promise<void>;
  let page: Page, errors: string[];

  beforeAll(async () => {
    const served = await servePreview();
    stopServer = served.stop;
    const browser = await launchBrowser();
    closeBrowser = browser.close;
    ({ page, errors } = await openPage(browser.context, served.url));
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer?.();
  });

  it('draws three steps of the chosen cell, with every weight once', async () => {
    await page.selectOption('#kind', 'gru');
    await page.fill('#layers', '2');
    await page.click('#graph-btn');
    await page.waitForSelector('body[data-graph="drawn"] #graph-view svg', { timeout: 60_000 });
    const info = (await page.textContent('#graph-info')) ?? '';
    expect(info).toMatch(/^gru, 2 layers, 3 steps, hidden size 3: \d+ nodes/);
    const labels = await page.locator('#graph-view svg g.node text').allTextContents();
    const all = labels.join('\n').replace(/\u00a0/g, ' ');
    for (const t of [0, 1, 2]) expect(all).toContain(`(t=${t})`);
    for (const w of ['rnn.weight_hh_l0', 'rnn.weight_ih_l1', 'decoder.weight']) {
      expect(labels.filter((s) => s.startsWith(`${w} `) || s.startsWith(`${w}\u00a0`)).length, w).toBe(1);
    }
    await screenshot(page, 'graph-panel');
  });

  it("shows a node's value and gradient on hover", async () => {
    await page.locator('#graph-view svg g.node', { hasText: 'rnn.weight_hh_l0' }).first().hover();
    const shown = (await page.textContent('#graph-hover')) ?? '';
    expect(shown).toMatch(/^rnn\.weight_hh_l0 {2}9×3/);
    expect(shown).toMatch(/\nvalue ‖·‖ [\d.e-]+\ngrad {2}‖·‖ [\d.e-]+$/);
    expect(errors).toEqual([]);
  });
});
