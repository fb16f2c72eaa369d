/**
 * The conformance suites every backend runs (`runEventStoreConformance`, `runReadModelConformance`,
 * `runProjectionConformance`; they need vitest), and the
 * given/when/then DSL of `annals/testing/dsl`.
 * @module annals/testing
 */
export { runEventStoreConformance } from './conformance/run.js';
export type { ConformanceOptions, ConformanceSkip } from './conformance/options.js';
export * from './dsl.js';
export { runReadModelConformance } from './conformance/read-models/run.js';
export type { ReadModelConformanceOptions } from './conformance/read-models/options.js';
export { runProjectionConformance } from './conformance/projections/run.js';
export type { ProjectionConformanceOptions, ProjectionStores } from './conformance/projections/options.js';
