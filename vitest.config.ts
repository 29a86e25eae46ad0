import { defineConfig } from 'vitest/config';

const WORKERS = 2;

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn servers; two cores cannot run many at once without timing noise.
    maxWorkers: WORKERS,
    // test/helpers/ports.ts gives each worker its own ports.
    env: { TSREDIS_TEST_WORKERS: String(WORKERS) },
    reporters: ['default'],
    // Warns loudly when redis-server is missing and the comparisons with it are skipped.
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
