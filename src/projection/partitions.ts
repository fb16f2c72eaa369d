import { InvalidArgumentError } from '../core/errors.js';
import { MAX_PARTITIONS } from '../core/partition.js';
import type { RecordedEvent } from '../core/types.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { ProjectionKey } from '../readmodel/types.js';

/** How many partitions a partitioned projection has when it does not say: 16. */
export const DEFAULT_PARTITION_COUNT = 16;

/**
 * How a projection (or reactor) is split for a consumer group: its events are routed to
 * `count` partitions by a stable hash of their key (`partitionOf`), each partition has its own
 * checkpoint, lease and dead letters, and the members of the group share the partitions. Order
 * is kept within a key, not across keys.
 */
export interface PartitionDeclaration<E extends RecordedEvent = RecordedEvent> {
  /** How many partitions: 1 to 1024. Default 16. Changing it is a new version of the projection (rebuild). */
  readonly count?: number;
  /**
   * The key an event is routed by. Default: its stream name, which the log filters on in the
   * database (each member reads only its partitions). Any other key is hashed in each member, which
   * then reads the whole log; order is kept per key, so events that must be applied in order need
   * the same key.
   */
  readonly key?: (event: E) => string;
}

/** A projection's partitions, checked: the count, and the key when it is not the stream name. */
export interface Partitioning {
  /** How many partitions. */
  readonly count: number;
  /** The key events are routed by; undefined: the stream name. */
  readonly key: ((event: RecordedEvent) => string) | undefined;
}

/** Checks a projection's `partitions` declaration (undefined: not partitioned). */
export function checkPartitions(name: string, declared: unknown): Partitioning | undefined {
  if (declared === undefined) return undefined;
  const expected = `{ count?: 1 to ${MAX_PARTITIONS}, key?: (event) => string }`;
  if (typeof declared !== 'object' || declared === null) throw new InvalidArgumentError(`partitions of "${name}"`, declared, expected);
  const { count = DEFAULT_PARTITION_COUNT, key } = declared as PartitionDeclaration;
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARTITIONS) throw new InvalidArgumentError(`partitions.count of "${name}"`, count, `an integer from 1 to ${MAX_PARTITIONS}`);
  if (key !== undefined && typeof key !== 'function') throw new InvalidArgumentError(`partitions.key of "${name}"`, key, 'a function (event) => string');
  return { count, key: key as Partitioning['key'] };
}

/** How many state rows a generation of the projection has: its partition count, or 1 (partition 0) when it is not partitioned. */
export function partitionCount(projection: { readonly partitions?: Partitioning }): number {
  return projection.partitions?.count ?? 1;
}

/** The state-row keys of a generation: one per partition. */
export function partitionKeys(projection: { readonly name: string; readonly partitions?: Partitioning }, generation: number): ProjectionKey[] {
  return Array.from({ length: partitionCount(projection) }, (_, partition) => ({ projection: projection.name, version: generation, partition }));
}

/**
 * The checkpoint of a generation: the smallest of its partitions' (0 for a partition with no row
 * yet), so every event up to it is applied in every partition.
 */
export async function generationCheckpoint(store: ReadModelStore, projection: { readonly name: string; readonly partitions?: Partitioning }, generation: number): Promise<number> {
  const count = partitionCount(projection);
  if (count === 1) return (await store.state({ projection: projection.name, version: generation, partition: 0 }))?.checkpoint ?? 0;
  const checkpoints = new Map<number, number>();
  for (const { key, state } of await store.states(projection.name)) if (key.version === generation) checkpoints.set(key.partition, state.checkpoint);
  let lowest = Infinity;
  for (let partition = 0; partition < count; partition++) lowest = Math.min(lowest, checkpoints.get(partition) ?? 0);
  return lowest;
}
