import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The second names, at the end, the suites skipped because a service was unreachable.
    reporters: ['default', './test/helpers/skipped-services-reporter.ts'],
  },
});
