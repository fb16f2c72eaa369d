import { openStore } from '../../src/index.js';
import { compare, timingOf, type Comparison } from '../lib/compare.js';
import { NewStreamAppends } from '../lib/sides.js';
import type { PostgresCaseContext } from './cases.js';
import { RawPostgres } from './raw-postgres.js';

/**
 * Appends of `size` events to new streams, one caller at a time: Annals (its default pool) in
 * one fresh schema, the raw baseline (one connection) in another.
 */
export async function appendCase({ options, url, schema, onProgress }: PostgresCaseContext, size: number): Promise<Comparison> {
  const store = await openStore(url, { schema: schema(`append${size}_annals`) });
  const raw = await RawPostgres.open(url, schema(`append${size}_raw`));
  try {
    const annals = new NewStreamAppends(size, (stream, events) => store.append(stream, events));
    const rawSide = new NewStreamAppends(size, (stream, events) => raw.append(stream, events, 0));
    const comparison = await compare({ annals, raw: rawSide, ...timingOf(options), onProgress });
    // Both sides must have written every event they were timed for.
    const annalsWritten = await store.headPosition();
    if (annalsWritten !== annals.operations * size) throw new Error(`Annals wrote up to position ${annalsWritten}, expected ${annals.operations * size}`);
    const rawWritten = await raw.count();
    if (rawWritten !== rawSide.operations * size) throw new Error(`raw wrote ${rawWritten} events, expected ${rawSide.operations * size}`);
    return comparison;
  } finally {
    await store.close();
    await raw.close();
  }
}
