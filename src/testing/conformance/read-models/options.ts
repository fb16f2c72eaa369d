import type { ReadModelStore } from '../../../readmodel/read-model-store.js';
import type { ConformanceSkip } from '../options.js';

/** How `runReadModelConformance` runs the suite on a read-model store. */
export interface ReadModelConformanceOptions {
  /** The backend's name, shown in the suite's title. */
  readonly name: string;
  /** A fresh, empty read-model store. The suite closes every store it creates after each test. */
  readonly create: () => Promise<ReadModelStore>;
  /** Another connection to the same data as `store`, for the race and cross-connection tests. When absent, they share the one store. */
  readonly reopen?: (store: ReadModelStore) => Promise<ReadModelStore>;
  /** Tests this backend does not run. A skip that names no test fails the suite, so skips cannot rot. */
  readonly skip: readonly ConformanceSkip[];
}
