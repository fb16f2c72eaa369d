import type { EventStore } from '../../src/index.js';
import { compare, timingOf, type Comparison } from '../lib/compare.js';
import { NewStreamAppends } from '../lib/sides.js';
import type { BenchOptions } from '../lib/types.js';

/** The partition count whose index the indexed side carries: a group of up to 16 members. */
export const PARTITIONS = 16;

/**
 * The append cost of the partition index: appends of `size` events to new streams, one caller
 * at a time, into a store with the index of PARTITIONS partitions (preparePartitions) and into
 * an identical store without it (the baseline, in the `raw` column), each in its own file or
 * schema, in alternating blocks. On SQLite both sides compute and write each event's partition
 * hash (a column of every row). The index itself is kept behind the log by partition reads (none
 * run here), so this shows that appends do not pay for it.
 */
export async function partitionIndexCase(
  options: BenchOptions,
  open: (side: 'indexed' | 'plain') => Promise<EventStore>,
  size: number,
  onProgress: (fraction: number, status: string) => void,
): Promise<Comparison> {
  const indexed = await open('indexed');
  const plain = await open('plain');
  try {
    await indexed.preparePartitions(PARTITIONS);
    const withIndex = new NewStreamAppends(size, (stream, events) => indexed.append(stream, events));
    const without = new NewStreamAppends(size, (stream, events) => plain.append(stream, events));
    const comparison = await compare({ annals: withIndex, raw: without, ...timingOf(options), onProgress });
    // Both sides must have written every event they were timed for.
    for (const [store, side] of [[indexed, withIndex], [plain, without]] as const) {
      const written = await store.headPosition();
      if (written !== side.operations * size) throw new Error(`wrote up to position ${written}, expected ${side.operations * size}`);
    }
    return comparison;
  } finally {
    await indexed.close();
    await plain.close();
  }
}

