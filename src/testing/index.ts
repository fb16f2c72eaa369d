export { runEventStoreConformance } from './conformance/run.js';
export type { ConformanceOptions, ConformanceSkip } from './conformance/options.js';
export * from './dsl.js';
