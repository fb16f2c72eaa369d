import { randomUUID } from 'node:crypto';
import { openStore, type EventStore } from '../../src/index.js';
import { StoreKeys } from '../../src/adapters/redis/keys.js';
import { compare, type Comparison, type Side } from '../lib/compare.js';
import { formatCount } from '../lib/format.js';
import type { BenchOptions, Target } from '../lib/types.js';
import { checkCount, readSide } from '../lib/sides.js';
import { makeEvents } from '../lib/workload.js';
import { RawKeys, type RawRedis } from './raw-redis.js';

export interface RedisCaseContext {
  readonly options: BenchOptions;
  readonly url: string;
  /** A key prefix of this case's own (deleted with the run's keys). */
  readonly prefix: string;
  readonly raw: RawRedis;
  readonly fixture: ReadFixture | undefined;
  readonly onProgress: (fraction: number, status: string) => void;
}

export interface ReadFixture {
  readonly keyPrefix: string;
  readonly logKey: string;
  readonly events: number;
}

export interface RedisCase {
  readonly name: string;
  readonly reads: boolean;
  readonly target: Target | undefined;
  label(options: BenchOptions): string;
  description(options: BenchOptions): string;
  run(context: RedisCaseContext): Promise<Comparison>;
}

const APPEND_TARGET: Target = { minRatio: 0.8 };
const silent = { warn() {} };

/**
 * What the raw side of an append case runs (raw-redis.ts). The targets are those of the issue that
 * asked for this store: against 'stream-only', the minimal version check + XADD; 'complete' stores
 * what the contract's readers need as well, and is shown for information.
 */
type Baseline = 'complete' | 'stream-only' | 'xadd';

export const REDIS_CASES: readonly RedisCase[] = [
  {
    name: 'append-single',
    reads: false,
    target: APPEND_TARGET,
    label: () => 'append ×1 vs script',
    description: () =>
      'single-event appends with an exact expected revision, over 1,000 streams; raw: a Lua script checking the version (XLEN) and XADDing to the stream (no global log, no id index)',
    run: (context) => appendCase(context, 1, 1000, 'stream-only'),
  },
  {
    name: 'append-single-complete',
    reads: false,
    target: undefined,
    label: () => 'append ×1 vs complete script',
    description: () =>
      'the same single-event appends; raw: a Lua script storing what readers need (log entry, stream pointer, id index) behind a version check',
    run: (context) => appendCase(context, 1, 1000, 'complete'),
  },
  {
    name: 'append-single-xadd',
    reads: false,
    target: undefined,
    label: () => 'append ×1 vs XADD',
    description: () => 'the same single-event appends; raw: one bare XADD, no check at all',
    run: (context) => appendCase(context, 1, 1000, 'xadd'),
  },
  {
    name: 'append-batch',
    reads: false,
    target: APPEND_TARGET,
    label: (o) => `append ×${o.batchSize} vs script`,
    description: (o) => `${o.batchSize}-event appends with an exact expected revision, over 100 streams; raw: the version-check-and-XADD script with ${o.batchSize} entries`,
    run: (context) => appendCase(context, context.options.batchSize, 100, 'stream-only'),
  },
  {
    name: 'append-batch-ids',
    reads: false,
    target: undefined,
    label: (o) => `append ×${o.batchSize} with ids vs script`,
    description: (o) =>
      `the same ${o.batchSize}-event appends, each event with an id from the caller (indexed, as store-made ids are not); raw: the version-check-and-XADD script`,
    run: (context) => appendCase(context, context.options.batchSize, 100, 'stream-only', true),
  },
  {
    name: 'append-batch-complete',
    reads: false,
    target: undefined,
    label: (o) => `append ×${o.batchSize} vs complete script`,
    description: (o) => `the same ${o.batchSize}-event appends; raw: the complete script with ${o.batchSize} events`,
    run: (context) => appendCase(context, context.options.batchSize, 100, 'complete'),
  },
  {
    name: 'read-all',
    reads: true,
    target: { minRatio: 0.7 },
    label: (o) => `readAll ${formatCount(o.events)}`,
    description: (o) => `readAll of a ${formatCount(o.events)}-event log, ${o.pageSize} per page; raw: an XRANGE loop decoding the same entries`,
    run: readAllCase,
  },
];

/** Writes the log that readAll reads, through Annals, in appends of `batchSize` over 100 streams. */
export async function buildReadFixture(url: string, keyPrefix: string, options: BenchOptions, onProgress: (f: number, s: string) => void): Promise<ReadFixture> {
  const store = await openStore(url, { keyPrefix, logger: silent });
  try {
    let written = 0;
    for (let batch = 0; written < options.events; batch++) {
      const size = Math.min(options.batchSize, options.events - written);
      await store.append(`account-${batch % 100}`, makeEvents(size, batch));
      written += size;
      if (batch % 50 === 0) onProgress(written / options.events, `${written} events`);
    }
    return { keyPrefix, logKey: new StoreKeys(keyPrefix).log, events: written };
  } finally {
    await store.close();
  }
}

/**
 * Appends of `size` events, round-robin over `streams` streams, each at the exact expected
 * revision (tracked here, as a command handler would have read it). Annals and the raw side
 * write to keys of their own under the case's prefix.
 */
async function appendCase(
  { options, url, prefix, raw, onProgress }: RedisCaseContext,
  size: number,
  streams: number,
  baseline: Baseline,
  givenIds = false,
): Promise<Comparison> {
  // The prefix carries its own short hash tag, as a deployment's short prefix would ('orders:'
  // gives 'orders:{orders}:'): the case's long generated prefix would otherwise appear twice
  // in every key, and Annals' keys would be twice as long as the raw side's.
  const store = await openStore(url, { keyPrefix: `${prefix}{annals}:`, logger: silent });
  const rawKeys = new RawKeys(`${prefix}raw:`);
  const annalsRevisions = new Array<number>(streams).fill(-1);
  const rawRevisions = new Array<number>(streams).fill(-1);
  let annalsAppends = 0;
  let rawAppends = 0;
  try {
    const annals: Side = {
      next() {
        const n = annalsAppends++;
        const s = n % streams;
        const events = givenIds ? makeEvents(size, n).map((event) => ({ ...event, id: randomUUID() })) : makeEvents(size, n);
        return async () => {
          const expected = annalsRevisions[s]!;
          const result = await store.append(`account-${s}`, events, { expectedRevision: expected < 0 ? 'no_stream' : expected });
          annalsRevisions[s] = result.streamRevision;
          return size;
        };
      },
    };
    const rawSide: Side = {
      next() {
        const n = rawAppends++;
        const s = n % streams;
        const events = makeEvents(size, n);
        const stream = `account-${s}`;
        if (baseline === 'xadd') {
          return async () => {
            await raw.appendUnchecked(rawKeys.stream(stream), events[0]!);
            return 1;
          };
        }
        if (baseline === 'stream-only') {
          return async () => {
            rawRevisions[s] = await raw.appendStreamOnly(rawKeys.stream(stream), rawRevisions[s]!, events);
            return size;
          };
        }
        return async () => {
          rawRevisions[s] = await raw.append(rawKeys, stream, rawRevisions[s]!, events);
          return size;
        };
      },
    };
    const comparison = await compare({ annals, raw: rawSide, ...timing(options), onProgress });
    // Both sides must have written every event they were timed for.
    const annalsWritten = await store.headPosition();
    if (annalsWritten !== annalsAppends * size) throw new Error(`Annals wrote ${annalsWritten} events, expected ${annalsAppends * size}`);
    const rawExpected = rawAppends * (baseline === 'xadd' ? 1 : size);
    const rawWritten =
      baseline === 'complete'
        ? Math.min(await raw.client.xlen(rawKeys.log), await raw.client.hlen(rawKeys.ids))
        : (await Promise.all(Array.from({ length: streams }, (_, s) => raw.client.xlen(rawKeys.stream(`account-${s}`))))).reduce((a, b) => a + b, 0);
    if (rawWritten !== rawExpected) throw new Error(`raw wrote ${rawWritten} events, expected ${rawExpected}`);
    return comparison;
  } finally {
    await store.close();
  }
}

async function readAllCase({ options, url, raw, fixture, onProgress }: RedisCaseContext): Promise<Comparison> {
  if (!fixture) throw new Error('read cases need the read fixture');
  const store: EventStore = await openStore(url, { keyPrefix: fixture.keyPrefix, logger: silent });
  let sink = 0; // every event is looked at, on both sides
  try {
    const comparison = await compare({
      annals: readSide(() => store.readAll({ pageSize: options.pageSize }), fixture.events, (position) => void (sink += position)),
      raw: {
        next: () => async () =>
          checkCount('raw', await raw.readAll(fixture.logKey, options.pageSize, (event) => void (sink += event.position)), fixture.events),
      },
      ...timing(options),
      onProgress,
    });
    if (sink <= 0) throw new Error('nothing was read');
    return comparison;
  } finally {
    await store.close();
  }
}

function timing(options: BenchOptions): { warmupMs: number; measureMs: number } {
  return { warmupMs: options.warmupSeconds * 1000, measureMs: options.seconds * 1000 };
}
