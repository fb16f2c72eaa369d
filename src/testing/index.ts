/**
 * The conformance suite every backend runs (`runEventStoreConformance`, needs vitest), and the
 * given/when/then DSL of `annals/testing/dsl`.
 * @module annals/testing
 */
export { runEventStoreConformance } from './conformance/run.js';
export type { ConformanceOptions, ConformanceSkip } from './conformance/options.js';
export * from './dsl.js';
export { runReadModelConformance } from './conformance/read-models/run.js';
export type { ReadModelConformanceOptions } from './conformance/read-models/options.js';
