// The given/when/then DSL alone: `annals/testing/dsl` loads no test framework, so it works under
// node:test, Jest or Mocha as well as vitest (`annals/testing` adds the conformance suite, which needs vitest).
export { deciderSpec, type DeciderGiven, type DeciderThen } from './decider-spec.js';
export { storeSpec, type StoreGiven, type ExpectedEvent, type StoreSpecOptions, type StoreThen } from './store-spec.js';
export type { ErrorClass } from './spec-assert.js';
