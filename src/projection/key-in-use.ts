import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { CollectionSpec, ProjectionKey } from '../readmodel/types.js';
import type { Projection } from './define-projection.js';
import { generationsOf } from './generations.js';
import { partitionKeys } from './partitions.js';

/** The state row a projection's runner moves (its checkpoint, lease and dead letters), with its collections. */
export interface KeyInUse {
  /** The state row's key (its `version` is the generation, see generations.ts). */
  readonly key: ProjectionKey;
  /** The collections at that generation. */
  readonly specs: ReadonlyMap<string, CollectionSpec>;
}

/**
 * The key a runner of this projection's version, started now, would use: its current
 * generation (the live one when this version owns it, else its newest, else its first), as
 * status reads it. What dead-letter operations work on outside a runner.
 */
export async function keyInUse(readModels: ReadModelStore, projection: Projection<any>): Promise<KeyInUse> {
  const { current } = await generationsOf(readModels, projection);
  return { key: { projection: projection.name, version: current, partition: 0 }, specs: projection.specsAt(current) };
}

/** The keys of every partition of the generation a runner started now would build (one key, partition 0, when the projection is not partitioned). */
export async function keysInUse(readModels: ReadModelStore, projection: Projection<any>): Promise<{ readonly keys: readonly ProjectionKey[]; readonly specs: ReadonlyMap<string, CollectionSpec> }> {
  const { current } = await generationsOf(readModels, projection);
  return { keys: partitionKeys(projection, current), specs: projection.specsAt(current) };
}
