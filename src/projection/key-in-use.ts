import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { CollectionSpec, ProjectionKey } from '../readmodel/types.js';
import type { Projection } from './define-projection.js';

/** The state row a projection's runner moves (its checkpoint, lease and dead letters), with its collections. */
export interface KeyInUse {
  /** The state row's key. */
  readonly key: ProjectionKey;
  /** The collections at that key's version. */
  readonly specs: ReadonlyMap<string, CollectionSpec>;
}

/**
 * The key a runner of this projection, started now, would use: the one place that decides it
 * outside a runner, so that status and dead-letter operations follow the runner when the
 * physical version of a projection's rows comes to differ from its `version`. Today it is the
 * projection's version, partition 0. (`readModels` is the store asked, for that day.)
 */
export async function keyInUse(_readModels: ReadModelStore, projection: Projection<any>): Promise<KeyInUse> {
  return { key: { projection: projection.name, version: projection.version, partition: 0 }, specs: projection.specs };
}
