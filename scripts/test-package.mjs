// The package as a user gets it (`npm run test:package`, run in CI): `npm pack`, then, in a fresh
// temporary project that installs the tarball,
//   1. plain Node ESM imports the library and the lessons entry, trains a tiny model and samples it;
//   2. TypeScript type-checks a consumer against the shipped .d.ts files;
//   3. `npx rnn --help`, `--version` and a short `rnn train` run the compiled JavaScript;
//   4. Deno (the pinned devDependency) imports the installed package and trains a few steps;
//   5. Vite bundles a one-file page that imports it, and Chromium opens the page, which trains a few steps.
// Each check prints one line; the first failure stops with a message and exit code 1.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const CHROMIUM = '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'rnn-package-'));
const app = join(work, 'app');
const started = Date.now();

function step(what) {
  console.log(`test:package [${((Date.now() - started) / 1000).toFixed(0)}s] ${what}`);
}
function fail(message) {
  console.error(`test:package: FAIL: ${message}`);
  process.exit(1);
}
function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  } catch (e) {
    fail(`${[cmd, ...args].join(' ')} exited with ${e.status}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
function check(ok, message) {
  if (!ok) fail(message);
}

// ---- pack -----------------------------------------------------------------------------------
step('npm run build (the kernels and dist/, as `prepare` does before npm pack), then npm pack');
run('npm', ['run', 'build'], { cwd: root });
const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root }));
const files = packed.files.map((f) => f.path);
for (const bad of [/^src\//, /^test\//, /^notebooks\//, /^web\//, /fixtures\//, /^experiments\//, /^scripts\//, /^bench\//]) {
  const hit = files.find((f) => bad.test(f));
  check(!hit, `the tarball holds ${hit}, which is not for users`);
}
for (const need of [
  'dist/index.js',
  'dist/index.d.ts',
  'dist/lessons/index.js',
  'dist/fast/gemm-worker.js',
  'bin/rnn.js',
  'kernels/build/kernels.js',
  'data/tinyshakespeare.txt',
  'package.json',
]) {
  check(files.includes(need), `the tarball lacks ${need}`);
}
step(`${packed.filename}: ${files.length} files, ${(packed.size / 1e6).toFixed(1)} MB packed (${(packed.unpackedSize / 1e6).toFixed(1)} MB unpacked)`);

// ---- install --------------------------------------------------------------------------------
mkdirSync(app);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'rnn-user', private: true, type: 'module' }, null, 2));
step('npm install the tarball into a fresh project');
run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], { cwd: app });
check(!existsSync(join(app, 'node_modules', 'rnn-from-scratch', 'src')), 'the installed package has src/');

// ---- 1. plain Node ESM ------------------------------------------------------------------------
const TRAIN = `
const text = 'hello world, hello rnn. '.repeat(40);
const t = Trainer.fromText(text, { model: 'gru', layers: 1, hidden: 16, seqLength: 8, batchSize: 4, epochs: 50, lr: 0.01, seed: 1 });
const first = t.step();
let last = first;
for (let i = 0; i < 60; i++) last = t.step();
const sampled = t.sample(40);
t.dispose();
`;
writeFileSync(
  join(app, 'node-test.mjs'),
  `
import { Trainer, evaluate, Vocab } from 'rnn-from-scratch';
import * as main from 'rnn-from-scratch';
import { plantedBug, trainMinChar } from 'rnn-from-scratch/lessons';
${TRAIN}
if (!(last < first - 0.3)) throw new Error('the loss did not fall: ' + first + ' → ' + last);
if (typeof sampled !== 'string' || [...sampled].length !== 40) throw new Error('bad sample ' + JSON.stringify(sampled));
if ('plantedBug' in main) throw new Error('the planted bug is in the main entry');
if (typeof plantedBug.buggyLossAndGrads !== 'function' || typeof trainMinChar !== 'function') throw new Error('the lessons entry is incomplete');
console.log(JSON.stringify({ first, last, sampled, engine: typeof evaluate + typeof Vocab }));
`,
);
step('plain Node ESM: import, train 61 steps, sample');
const nodeOut = JSON.parse(run(process.execPath, ['node-test.mjs'], { cwd: app }));
step(`  loss ${nodeOut.first.toFixed(3)} → ${nodeOut.last.toFixed(3)}; sample ${JSON.stringify(nodeOut.sampled)}`);

// ---- 2. types ---------------------------------------------------------------------------------
writeFileSync(
  join(app, 'consumer.ts'),
  `
import { Trainer, type TrainerOptions, type EvalResult } from 'rnn-from-scratch';
import { trainMinChar } from 'rnn-from-scratch/lessons';
const options: Partial<TrainerOptions> = { model: 'lstm', hidden: 8 };
const t: Trainer = Trainer.fromText('abcabc'.repeat(20), options);
const loss: number = t.step();
const r: EvalResult | undefined = undefined;
// @ts-expect-error: the teaching modules are not in the main entry
import { plantedBug } from 'rnn-from-scratch';
// @ts-expect-error: model is a union of cell kinds, not any string
Trainer.fromText('abc', { model: 'transformer' });
export { loss, r, trainMinChar, plantedBug };
`,
);
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, types: [] },
    files: ['consumer.ts'],
  }),
);
step('TypeScript: a consumer type-checks against the shipped declarations');
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app });

// ---- 3. the command -------------------------------------------------------------------------
step('npx rnn --help, --version, and a short rnn train');
const help = run('npx', ['--no-install', 'rnn', '--help'], { cwd: app });
check(/^usage: rnn <command>/.test(help) && help.includes('  plot'), `unexpected help:\n${help}`);
const version = run('npx', ['--no-install', 'rnn', '--version'], { cwd: app }).trim();
check(version === `rnn ${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}`, `unexpected version: ${version}`);
const trained = run(
  'npx',
  ['--no-install', 'rnn', 'train', '--hidden', '16', '--layers', '1', '--iters', '5', '--sample-every', '0', '--sample-length', '20'],
  { cwd: app },
);
check(trained.includes('iteration budget reached: 5 iterations'), `unexpected train output:\n${trained}`);
check(
  existsSync(join(app, 'checkpoints', 'model.safetensors')) && existsSync(join(app, 'checkpoints', 'model.log.jsonl')),
  'rnn train wrote no checkpoint or no log',
);
const sampleJson = JSON.parse(run('npx', ['--no-install', 'rnn', 'sample', '--length', '30', '--json'], { cwd: app }));
check([...sampleJson.text].length === 30, 'rnn sample --json gave no 30-character text');

// ---- 4. Deno ----------------------------------------------------------------------------------
writeFileSync(
  join(app, 'deno-test.mjs'),
  `
import { Trainer } from 'rnn-from-scratch';
${TRAIN}
if (!(last < first)) throw new Error('the loss did not fall under Deno');
console.log('deno ok ' + first.toFixed(3) + ' → ' + last.toFixed(3));
`,
);
step('Deno: import the installed package, train, sample');
const denoOut = run(bin('deno'), ['run', '--quiet', '--allow-read', '--allow-env', '--allow-sys', 'deno-test.mjs'], {
  cwd: app,
  env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' },
});
check(denoOut.startsWith('deno ok'), `unexpected Deno output: ${denoOut}`);
step(`  ${denoOut.trim()}`);

// ---- 5. Vite + Chromium -----------------------------------------------------------------------
// A bundler resolves the package's "browser" condition to dist/core.js, the library without its
// Node file helpers, so the page needs no stand-ins for Node built-ins. (The kernel loader's
// import('node:v8'), guarded to run only under Node, is left out of the bundle by Vite.)
writeFileSync(
  join(app, 'vite.config.mjs'),
  `
export default {
  root: ${JSON.stringify(app)},
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' }, // the kernels' thread worker uses top-level await
};
`,
);
writeFileSync(
  join(app, 'index.html'),
  `<!doctype html>
<html><head><meta charset="utf-8"><title>rnn-from-scratch in a page</title></head>
<body><pre id="out">training…</pre>
<script type="module">
import { Trainer } from 'rnn-from-scratch';
try {
${TRAIN}
  document.getElementById('out').textContent = JSON.stringify({ first, last, sampled, engine: t.engine });
} catch (e) {
  document.getElementById('out').textContent = 'error: ' + (e && e.stack || e);
}
</script></body></html>
`,
);
step('Vite: bundle a one-file page that imports the package');
run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(app, 'vite.config.mjs')], { cwd: app });
check(existsSync(join(app, 'dist', 'index.html')), 'vite wrote no dist/index.html');

if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing (CI installs Debian's chromium)`);
step('Chromium: open the page, which trains 61 steps');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = createServer((req, res) => {
  const path = join(app, 'dist', decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/$/, '/index.html'));
  if (!path.startsWith(join(app, 'dist')) || !existsSync(path)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { chromium } = await import(join(root, 'node_modules', 'playwright-core', 'index.mjs'));
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
let pageOut;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => document.getElementById('out').textContent !== 'training…', null, { timeout: 120_000 });
  pageOut = await page.textContent('#out');
  check(errors.length === 0, `page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  server.close();
}
check(pageOut.startsWith('{'), `the page failed: ${pageOut}`);
const inPage = JSON.parse(pageOut);
check(inPage.last < inPage.first - 0.3 && [...inPage.sampled].length === 40, `the page did not train: ${pageOut}`);
step(`  loss ${inPage.first.toFixed(3)} → ${inPage.last.toFixed(3)} on ${inPage.engine}; sample ${JSON.stringify(inPage.sampled)}`);

rmSync(work, { recursive: true, force: true });
step('PASS');
