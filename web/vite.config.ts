// The web playground: `npm run web` serves web/ with Vite's dev server, `npm run web:build` writes
// a static site to web/dist. The page and its worker import the library from src/core.ts, which
// imports no Node built-in (reading and writing files is src/node/, which the page never needs).

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  worker: { format: 'es' },
  build: { outDir: here('./dist'), emptyOutDir: true, target: 'es2022' },
  // Cross-origin isolation (COOP + COEP) lets the page share WebAssembly memory with a worker, so
  // the kernels can use a second thread; a server without these headers still works, on one thread.
  server: { fs: { allow: [here('..')] }, headers: ISOLATION },
  preview: { headers: ISOLATION },
});
