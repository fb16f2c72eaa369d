/**
 * The given/when/then DSL for deciders (`deciderSpec`) and for commands against a store
 * (`storeSpec`). It loads no test framework, so it works under node:test, Jest or Mocha as well
 * as vitest.
 * @module annals/testing/dsl
 */
export { deciderSpec, type DeciderGiven, type DeciderThen } from './decider-spec.js';
export { storeSpec, type StoreGiven, type ExpectedEvent, type StoreSpecOptions, type StoreThen } from './store-spec.js';
export type { ErrorClass } from './spec-assert.js';
