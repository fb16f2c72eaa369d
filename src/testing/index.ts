export { runEventStoreConformance } from './conformance/run.js';
export type { ConformanceOptions, ConformanceSkip } from './conformance/options.js';
export { deciderSpec, type DeciderGiven, type DeciderThen } from './decider-spec.js';
export { storeSpec, type StoreGiven, type ExpectedEvent, type StoreSpecOptions, type StoreThen } from './store-spec.js';
export type { ErrorClass } from './spec-assert.js';
