import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // chDB must stay out of worker threads: forks keep one engine per process.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
