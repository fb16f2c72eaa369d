// What docs/postgres.md's standby examples take as given: they need a primary and a streaming
// standby (test/integration/postgres-standby.test.ts runs the same calls against real ones), so
// they are compiled, not run. Global declarations, so an example that defines one of these
// names shadows it.

/** A store opened on the primary, where appends and runners go. */
declare const primary: import('annals').EventStore;

/** A projection of orders, one document per order stream (collection `state`). */
declare const orderSummaries: import('annals').Projection<any>;
