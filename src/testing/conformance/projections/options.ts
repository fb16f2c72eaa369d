import type { EventStore } from '../../../core/event-store.js';
import type { ReadModelStore } from '../../../readmodel/read-model-store.js';
import type { ConformanceSkip } from '../options.js';

/** An event store and the read models its projections write: the store's own, or another backend's. */
export interface ProjectionStores {
  /** The log the projections follow. */
  readonly events: EventStore;
  /** Where the async projections' documents, checkpoints and leases live. */
  readonly readModels: ReadModelStore;
}

/** How `runProjectionConformance` runs the suite on a pair of backends (a log and a read-model store). */
export interface ProjectionConformanceOptions {
  /** The pair's name, shown in the suite's title, e.g. 'sqlite' or 'redis log, postgres read models'. */
  readonly name: string;
  /**
   * A fresh, empty event store and read-model store. The suite stops every runner and closes
   * every store it was given after each test (the read models too, when they are not the event
   * store's own part, which closes with it).
   */
  readonly create: () => Promise<ProjectionStores>;
  /**
   * Other connections to the same data (another process's view), for the tests where two
   * runners race on one projection. When absent, those runners share the one pair.
   */
  readonly reopen?: (stores: ProjectionStores) => Promise<ProjectionStores>;
  /** Tests this pair does not run. A skip that names no test fails the suite, so skips cannot rot. */
  readonly skip: readonly ConformanceSkip[];
}
