import { openStore } from '../../src/index.js';
import { compare, timingOf, type Comparison, type Side } from '../lib/compare.js';
import { makeEvents, newStreamName } from '../sqlite/workload.js';
import type { PostgresCaseContext } from './cases.js';
import { RawPostgres } from './raw-postgres.js';

/**
 * Appends of `size` events to new streams, one caller at a time: Annals (its default pool) in
 * one fresh schema, the raw baseline (one connection) in another.
 */
export async function appendCase({ options, url, schema, onProgress }: PostgresCaseContext, size: number): Promise<Comparison> {
  const store = await openStore(url, { schema: schema(`append${size}_annals`) });
  const raw = await RawPostgres.open(url, schema(`append${size}_raw`));
  let annalsAppends = 0;
  let rawAppends = 0;
  try {
    const annals: Side = {
      next() {
        const n = annalsAppends++;
        const stream = newStreamName(n);
        const events = makeEvents(size, n);
        return async () => {
          await store.append(stream, events);
          return size;
        };
      },
    };
    const rawSide: Side = {
      next() {
        const n = rawAppends++;
        const stream = newStreamName(n);
        const events = makeEvents(size, n);
        return async () => {
          await raw.append(stream, events, 0);
          return size;
        };
      },
    };
    const comparison = await compare({ annals, raw: rawSide, ...timingOf(options), onProgress });
    // Both sides must have written every event they were timed for.
    const annalsWritten = await store.headPosition();
    if (annalsWritten !== annalsAppends * size) throw new Error(`Annals wrote up to position ${annalsWritten}, expected ${annalsAppends * size}`);
    const rawWritten = await raw.count();
    if (rawWritten !== rawAppends * size) throw new Error(`raw wrote ${rawWritten} events, expected ${rawAppends * size}`);
    return comparison;
  } finally {
    await store.close();
    await raw.close();
  }
}
