import type { Capabilities, PartName } from '../../backend/parts.js';
import type { EventStore } from '../../core/event-store.js';

/** What a conformance test gets: stores that the suite closes after the test. */
export interface Fixture {
  /** A fresh, empty store. */
  store(): Promise<EventStore>;
  /** Another connection to the same data as `store`; the same store when the backend gave no `reopen`. */
  connect(store: EventStore): Promise<EventStore>;
  /** True when `connect` opens a separate connection. */
  readonly reopens: boolean;
  /** Skips the rest of the test, visibly, when the store does not declare the capability or provide the part. */
  requires(store: EventStore, need: keyof Capabilities | PartName): void;
}

export type TestBody = (fixture: Fixture) => Promise<unknown>;

/** How topic files register their tests; names are unique across the suite (skips refer to them). */
export interface Suite {
  test(name: string, body: TestBody, options?: { timeout?: number }): void;
}
