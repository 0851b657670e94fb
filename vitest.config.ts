import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A request a fake cloud's published model rejects fails the test that sent it.
    setupFiles: ['test/fakes/common/model-guard.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only add contention for the SSH test hosts.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
