import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Two cores: keep the worker count small so process-spawning tests do not starve each other.
    maxWorkers: 2,
    // Budgets, not expectations: tests wait on events, and these only bound a hang. Generous,
    // because `make test-under-load` runs everything with every core busy (docs/development.md).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits on a condition; its default budget (1 s) is a guess at the machine's speed.
    expect: { poll: { timeout: 30_000, interval: 20 } },
    // Every process a test file starts must be gone after it (src/test-support/).
    globalSetup: ['src/test-support/leftovers-global.fixture.ts'],
    setupFiles: ['src/test-support/leftovers-per-file.fixture.ts'],
  },
});
