import { defineConfig } from 'vitest/config';

// The browser tests (npm run test:e2e): Debian's Chromium driven by playwright-core, one file at a
// time, with time for a build, a server start and a few seconds of training per test.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
