import { hash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';
import { isPlainObject } from './validate.js';

/** The most partitions a log can be read in: each count in use is one index on SQLite and PostgreSQL. */
export const MAX_PARTITIONS = 1024;

/**
 * One partition of the log: the events whose partition key (their stream name) hashes to
 * `index` out of `count`. The `count` partitions of a count are disjoint and cover the log,
 * and every event of a stream is in the same one, so a reader of one partition sees each of
 * its streams whole and in order.
 */
export interface LogPartition {
  /** Which partition: 0 to `count - 1`. */
  readonly index: number;
  /** How many partitions the log is split in: 1 to 1024. */
  readonly count: number;
}

/**
 * The partition of `key` out of `count`: the first four bytes of the MD5 digest of its UTF-8
 * text, as an unsigned integer, modulo `count`. The same on every backend and in every
 * process (PostgreSQL computes it in SQL, with its own `md5`), and stable across releases: a
 * change would move streams between partitions, so it is part of the stored format.
 */
export function partitionOf(key: string, count: number): number {
  return keyHash(key) % count;
}

/** The unsigned 32-bit hash `partitionOf` takes the remainder of. */
export function keyHash(key: string): number {
  return Number.parseInt(hash('md5', key).slice(0, 8), 16);
}

/** Checks a `partition` option: absent, or `{ index, count }` with 0 <= index < count <= 1024. */
export function assertPartition(value: unknown, argument = 'partition'): LogPartition | undefined {
  if (value === undefined) return undefined;
  if (isPlainObject(value)) {
    const { index, count } = value;
    if (isPartitionCount(count) && Number.isSafeInteger(index) && (index as number) >= 0 && (index as number) < count) {
      return { index: index as number, count };
    }
  }
  throw new InvalidArgumentError(argument, value, `{ index, count }: a partition count from 1 to ${MAX_PARTITIONS} and an index from 0 to count - 1`);
}

/** Checks a partition count, as `preparePartitions` takes it: an integer from 1 to 1024. */
export function assertPartitionCount(value: unknown, argument = 'count'): number {
  if (isPartitionCount(value)) return value;
  throw new InvalidArgumentError(argument, value, `a partition count: an integer from 1 to ${MAX_PARTITIONS}`);
}

function isPartitionCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PARTITIONS;
}
