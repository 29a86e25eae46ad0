import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn servers; two cores cannot run many at once without timing noise.
    maxWorkers: 2,
    reporters: ['default'],
    // Warns loudly when redis-server is missing and the comparisons with it are skipped.
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
