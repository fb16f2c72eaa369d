// The benchmarks show progress the way the CLI does: one implementation for both.
export * from '../../src/cli/progress.js';
