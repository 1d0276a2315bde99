// `npm run notebooks`: executes every notebook in notebooks/ on the Deno kernel, headlessly, writes
// the outputs back into the .ipynb files and exits non-zero if any cell fails.
//
//   npm run notebooks                       all of them, in name order
//   npm run notebooks -- 03-gradcheck       only those whose file name contains one of the words
//
// The kernel is the deno binary from node_modules (the exact version pinned in package.json). Its
// kernelspec is written to a temporary directory put first on JUPYTER_PATH, so nothing in the
// user's home is read or written. The cells are run by execute.py, a small jupyter_client loop
// under Debian's /usr/bin/python3 (where apt installs jupyter_client and nbformat).
// A notebook that reads checkpoints/notebooks/ gets its model trained first, once per clone, by
// train-checkpoint.ts.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCheckpoint } from './train-checkpoint.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = '/usr/bin/python3';
const APT = 'apt-get install -y --no-install-recommends jupyter-nbconvert python3-ipykernel jupyter-client';
export const KERNEL_NAME = 'rnn-from-scratch-deno';

function fail(msg: string): never {
  console.error(`notebooks: ${msg}`);
  process.exit(2);
}

/** The deno executable of the `deno` npm package: its own copy, or the platform package's. */
function denoBinary(): string {
  const own = join(root, 'node_modules/deno/deno');
  if (existsSync(own)) return own;
  try {
    // install_api.cjs knows which @deno/<platform> package holds the binary for this machine.
    const api = createRequire(join(root, 'node_modules/deno/package.json'))('./install_api.cjs') as { runInstall(): string };
    return api.runInstall();
  } catch {
    return fail('the deno binary was not found in node_modules; run `npm install` first');
  }
}

function checkPython(): void {
  if (!existsSync(PYTHON)) fail(`${PYTHON} not found. Install Jupyter's Python packages with:\n  sudo ${APT}`);
  const r = spawnSync(PYTHON, ['-c', 'import jupyter_client, nbformat'], { encoding: 'utf8' });
  if (r.status !== 0) fail(`jupyter_client and nbformat are missing from ${PYTHON}. Install them with:\n  sudo ${APT}`);
}

const filters = process.argv.slice(2);
const dir = join(root, 'notebooks');
const notebooks = readdirSync(dir)
  .filter((f) => f.endsWith('.ipynb') && (filters.length === 0 || filters.some((w) => f.includes(w))))
  .sort()
  .map((f) => join(dir, f));
if (notebooks.length === 0) fail(`no notebook in ${dir} matches ${filters.join(', ') || 'anything'}`);

checkPython();
const deno = denoBinary();
if (notebooks.some((f) => readFileSync(f, 'utf8').includes('checkpoints/notebooks/'))) await ensureCheckpoint();
const jupyterPath = mkdtempSync(join(tmpdir(), 'rnn-notebooks-'));
try {
  const specDir = join(jupyterPath, 'kernels', KERNEL_NAME);
  mkdirSync(specDir, { recursive: true });
  const spec = {
    argv: [deno, 'jupyter', '--kernel', '--conn', '{connection_file}'],
    display_name: 'Deno',
    language: 'typescript',
    env: { NO_COLOR: '1' },
  };
  writeFileSync(join(specDir, 'kernel.json'), JSON.stringify(spec, null, 2));
  const env = { ...process.env, JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(':'), NO_COLOR: '1' };
  const r = spawnSync(PYTHON, [join(root, 'scripts/notebooks/execute.py'), '--kernel', KERNEL_NAME, ...notebooks], { stdio: 'inherit', env });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(jupyterPath, { recursive: true, force: true });
}
