import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/e2e/**'], // the browser tests: npm run test:e2e
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
  },
});
