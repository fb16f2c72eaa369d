import type { EventStore } from '../../core/event-store.js';

/** A test the suite must not run on a backend, with the reason (shown in the test's title). */
export interface ConformanceSkip {
  /** The test's exact name, as the suite prints it (without the describe blocks). */
  readonly test: string;
  /** Why the backend cannot pass it. */
  readonly reason: string;
}

/** How `runEventStoreConformance` runs the suite on a backend. */
export interface ConformanceOptions {
  /** The backend's name, shown in the suite's title. */
  readonly name: string;
  /** A fresh, empty store. The suite closes every store it creates after each test. */
  readonly create: () => Promise<EventStore>;
  /**
   * Another connection to the same data as `store` (for SQLite: the same file), used by the
   * race and cross-connection tests. When absent, those tests share the one store.
   */
  readonly reopen?: (store: EventStore) => Promise<EventStore>;
  /** Tests this backend does not run. A skip that names no test fails the suite, so skips cannot rot. */
  readonly skip: readonly ConformanceSkip[];
}
