#!/usr/bin/env node
// The `rnn` command. Installed as a package it runs the compiled JavaScript in dist/ (built by
// `npm run build` before packing); in a checkout, where src/ is, it runs the TypeScript sources
// through tsx (a development dependency), so that they stay the truth while they are edited.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/cli/main.js');
}
