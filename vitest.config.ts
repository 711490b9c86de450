import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Two cores: keep the worker count small so process-spawning tests do not starve each other.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
