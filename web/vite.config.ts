// The web playground: `npm run web` serves web/ with Vite's dev server, `npm run web:build` writes
// a static site to web/dist. The page and its worker import the library from src/index.ts; the
// Node built-ins that the library's file helpers import are aliased to a stub (node-stub.ts).

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    alias: [{ find: /^node:(fs|path|crypto)$/, replacement: here('./node-stub.ts') }],
  },
  worker: { format: 'es' },
  build: { outDir: here('./dist'), emptyOutDir: true, target: 'es2022' },
  server: { fs: { allow: [here('..')] } },
});
