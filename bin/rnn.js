#!/usr/bin/env node
// The `rnn` command: the TypeScript sources run directly, compiled on the fly by tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
