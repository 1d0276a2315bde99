// Builds the package's JavaScript: tsc compiles src/ to dist/ (ESM and .d.ts, relative imports
// rewritten from .ts to .js, tsconfig.build.json), then the declaration files' own relative
// imports are rewritten the same way (tsc leaves them as written) and the plain-JavaScript thread
// worker is copied beside the code that starts it. Runs at `npm install` in a checkout and before
// `npm pack` / `npm publish` (the `prepare` script), and as `npm run build`.

import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
} catch {
  console.error('build-dist: tsc failed (see above)');
  process.exit(1);
}

let rewritten = 0;
for (const entry of readdirSync(dist, { recursive: true })) {
  const file = join(dist, String(entry));
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, (_m, head, q, path) => `${head}${q}${path}.js${q}`);
  if (fixed !== text) {
    writeFileSync(file, fixed);
    rewritten++;
  }
}
copyFileSync(join(root, 'src', 'fast', 'gemm-worker.js'), join(dist, 'fast', 'gemm-worker.js'));
console.log(`build-dist: dist/ written (${rewritten} declaration files with their imports rewritten to .js)`);
