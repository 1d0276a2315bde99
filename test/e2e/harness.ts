// What the browser tests share: serving the page (a fresh static build through Vite's preview
// server, or `npm run web` exactly as a user runs it) and Debian's Chromium driven by
// playwright-core, launched as the issue prescribes with a fresh user-data-dir.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';

export const ROOT = join(import.meta.dirname, '..', '..');
export const VITE_CONFIG = join(ROOT, 'web', 'vite.config.ts');
/** Screenshots of each state the tests reach (gitignored; named in docs/testing.md). */
export const SCREENSHOTS = join(ROOT, 'test', 'e2e', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Builds web/ into web/dist and serves it; returns the page's address and a stop function. */
export async function servePreview(): Promise<{ url: string; stop: () => Promise<void> }> {
  await build({ configFile: VITE_CONFIG, logLevel: 'warn' });
  const port = await freePort();
  const server: PreviewServer = await preview({ configFile: VITE_CONFIG, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true } });
  return { url: `http://127.0.0.1:${port}/`, stop: () => server.close() };
}

/**
 * `npm run web` on a free port, as its own process group; resolves with the address the dev server
 * prints (so the test also checks that it prints one).
 */
export async function serveDev(): Promise<{ url: string; output: () => string; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn('npm', ['run', 'web', '--', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  const stop = (): void => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run web printed no address in 30 s:\n${out}`)), 30_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      // eslint-disable-next-line no-control-regex
      const m = out.replace(/\x1b\[[0-9;]*m/g, '').match(/Local:\s+(http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run web exited (${code}) before printing an address:\n${out}`));
    });
  });
  return { url, output: () => out, stop };
}

/** Chromium with a fresh profile (a desktop window, or `phone`: 400 px wide with a touch screen); close() also removes the profile. */
export async function launchBrowser(phone = false): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'rnn-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    ...(phone ? { viewport: { width: 400, height: 800 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 } : { viewport: { width: 1100, height: 1400 } }),
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot into SCREENSHOTS; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0)); // the message bar is sticky: keep it at the top of the picture
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A page at `url` with the bundled text loaded, collecting console errors and uncaught exceptions. */
export async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('#data-info[data-ready="true"]', { timeout: 30_000 });
  return { page, errors };
}

/** Sets the model and training controls. */
export async function chooseModel(
  page: Page,
  o: { kind: string; layers: number; hidden: number; seq: number; batch: number; optim: string; lr: number },
): Promise<void> {
  await page.selectOption('#kind', o.kind);
  await page.fill('#layers', String(o.layers));
  await page.fill('#hidden', String(o.hidden));
  await page.fill('#seq', String(o.seq));
  await page.fill('#batch', String(o.batch));
  await page.selectOption('#optim', o.optim);
  await page.fill('#lr', String(o.lr));
}

/** The number shown in an element (thousands separators removed); NaN for "–". */
export async function numberIn(page: Page, selector: string): Promise<number> {
  const text = (await page.textContent(selector)) ?? '';
  return text.trim() === '–' ? NaN : Number(text.replace(/,/g, ''));
}
