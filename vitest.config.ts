import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two files at a time: most of the suite waits on databases, children and timers, not on a
    // core, so two share the machine's two cores well (the default would run one at a time).
    maxWorkers: 2,
    // The second names, at the end, the suites skipped because a service was unreachable.
    reporters: ['default', './test/helpers/skipped-services-reporter.ts'],
  },
});
