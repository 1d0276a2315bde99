// The web playground: `npm run web` serves web/ with Vite's dev server, `npm run web:build` writes
// a static site to web/dist. The page and its worker import the library from src/core.ts, which
// imports no Node built-in (reading and writing files is src/node/, which the page never needs).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * NOTE: Vite bundles the training worker (worker.ts), and inside it rewrites the kernels' own
 * `new Worker(new URL('./gemm-worker.js', import.meta.url))` to a hashed file name, but does not
 * write that nested worker's file (vitejs/vite#5699), so the page's second thread never started.
 * gemm-worker.js imports nothing, so this writes it as it is under every name the bundle asks for.
 */
function emitNestedKernelWorker(): Plugin {
  return {
    name: 'emit-nested-kernel-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const wanted = new Set<string>();
      for (const file of Object.values(bundle)) {
        const text = file.type === 'chunk' ? file.code : typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source);
        for (const m of text.matchAll(/gemm-worker-[\w-]+\.js/g)) wanted.add(m[0]);
      }
      const source = readFileSync(here('../src/fast/gemm-worker.js'), 'utf8');
      for (const name of wanted) if (!bundle[`assets/${name}`]) this.emitFile({ type: 'asset', fileName: `assets/${name}`, source });
    },
  };
}

export default defineConfig({
  root: here('.'),
  plugins: [emitNestedKernelWorker()],
  base: './',
  worker: { format: 'es' },
  build: { outDir: here('./dist'), emptyOutDir: true, target: 'es2022' },
  // Cross-origin isolation (COOP + COEP) lets the page share WebAssembly memory with a worker, so
  // the kernels can use a second thread; a server without these headers still works, on one thread.
  server: { fs: { allow: [here('..')] }, headers: ISOLATION },
  preview: { headers: ISOLATION },
});
