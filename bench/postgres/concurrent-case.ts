import { openStore } from '../../src/index.js';
import { timingOf } from '../lib/compare.js';
import { overlappingMeasurement } from '../lib/stats.js';
import { now, since, yieldToEventLoop } from '../lib/timer.js';
import type { Measurement } from '../lib/types.js';
import { makeEvents } from '../lib/workload.js';
import type { PostgresCaseContext, PostgresRow } from './cases.js';
import { RawPostgres } from './raw-postgres.js';

export const APPENDERS = 8;
const BLOCK_MS = 300;

/** One way of appending, run by APPENDERS concurrent callers, each on its own stream. */
interface Variant {
  readonly key: 'annals' | 'serialised' | 'plain';
  /** Appends the next event of worker `w`'s stream at its exact expected revision. */
  append(w: number): Promise<void>;
  readonly appended: number[];
  readonly latencies: number[];
  events: number;
  wallNs: number;
}

/**
 * Case 3 and the gap-safety candidates in one measurement: 8 callers each append one event per
 * call to a stream of their own, at its exact expected revision, as fast as they can for a
 * block of fixed duration. The three variants take turns, block by block (ABC CBA …), each in
 * a schema of its own: (a) Annals (its pool, one connection per caller at a time, one statement
 * per append, the order settled by readers), (b) 8 raw connections, each INSERT taking a
 * constant transaction-level advisory lock before its position, (c) 8 raw connections with the
 * plain INSERT.
 * Throughput = events ÷ wall time of the blocks; p50/p99 are of single calls.
 */
export async function concurrentCase({ options, url, schema, onProgress }: PostgresCaseContext): Promise<PostgresRow[]> {
  const store = await openStore(url, { schema: schema('concurrent_annals'), poolSize: APPENDERS + 2 });
  const serialisedClients: RawPostgres[] = [];
  const plainClients: RawPostgres[] = [];
  try {
    const serialisedSchema = schema('concurrent_serialised');
    const plainSchema = schema('concurrent_plain');
    for (let w = 0; w < APPENDERS; w++) {
      serialisedClients.push(await RawPostgres.open(url, serialisedSchema, w === 0));
      plainClients.push(await RawPostgres.open(url, plainSchema, w === 0));
    }
    const event = makeEvents(1, 0);
    const variant = (key: Variant['key'], append: (w: number, revision: number) => Promise<unknown>): Variant => {
      const v: Variant = {
        key,
        appended: new Array<number>(APPENDERS).fill(0),
        latencies: [],
        events: 0,
        wallNs: 0,
        async append(w) {
          await append(w, v.appended[w]!);
          v.appended[w]!++;
        },
      };
      return v;
    };
    const annals = variant('annals', (w, revision) =>
      store.append(`worker-${w}`, event, { expectedRevision: revision === 0 ? 'no_stream' : revision - 1 }),
    );
    const serialised = variant('serialised', (w, revision) => serialisedClients[w]!.appendSerialised(`worker-${w}`, event[0]!, revision));
    const plain = variant('plain', (w, revision) => plainClients[w]!.append(`worker-${w}`, event, revision));
    const variants = [annals, serialised, plain];

    const { warmupMs, measureMs } = timingOf(options);
    for (const v of variants) await block(v, Math.max(warmupMs, BLOCK_MS), false);
    const pairs = { ac: [] as number[], bc: [] as number[], ab: [] as number[] };
    for (let round = 0; round % 2 === 1 || Math.min(...variants.map((v) => v.wallNs)) < measureMs * 1e6; round++) {
      const rate = new Map<Variant, number>();
      for (const v of round % 2 === 0 ? variants : [...variants].reverse()) rate.set(v, await block(v, BLOCK_MS, true));
      pairs.ac.push(rate.get(annals)! / rate.get(plain)!);
      pairs.bc.push(rate.get(serialised)! / rate.get(plain)!);
      pairs.ab.push(rate.get(annals)! / rate.get(serialised)!);
      onProgress(Math.min(1, annals.wallNs / (measureMs * 1e6)), `${annals.latencies.length} Annals appends`);
      await yieldToEventLoop();
    }

    // Every side must have written exactly what it was asked to, at the revisions it expected.
    for (let w = 0; w < APPENDERS; w++) {
      const info = await store.streamInfo(`worker-${w}`);
      if (info.revision !== annals.appended[w]! - 1) throw new Error(`Annals worker-${w} is at revision ${info.revision}, expected ${annals.appended[w]! - 1}`);
    }
    for (const [v, client] of [[serialised, serialisedClients[0]!], [plain, plainClients[0]!]] as const) {
      const expected = v.appended.reduce((a, b) => a + b, 0);
      const rows = await client.count();
      if (rows !== expected) throw new Error(`raw ${v.key} wrote ${rows} events, expected ${expected}`);
    }

    const a = measurement(annals);
    const b = measurement(serialised);
    const c = measurement(plain);
    const concurrent = `${APPENDERS} concurrent appenders, 1 event per call, each on its own stream at its exact expected revision`;
    return [
      {
        name: 'append-concurrent',
        label: `append ×1, ${APPENDERS} appenders`,
        description: `${concurrent}; raw: ${APPENDERS} connections, each an autocommitted single-row INSERT`,
        annals: a,
        raw: c,
        pairRatios: pairs.ac,
        target: { minRatio: 0.8 },
      },
      {
        name: 'gap-safety-serialised',
        label: 'gap-safety: (b) advisory lock ÷ (c) plain',
        description: `${concurrent}; "annals" column: raw INSERT taking pg_advisory_xact_lock before its position; raw column: plain INSERT`,
        annals: b,
        raw: c,
        pairRatios: pairs.bc,
        target: undefined,
      },
      {
        name: 'gap-safety-annals',
        label: 'gap-safety: (a) Annals ÷ (b) advisory lock',
        description: `${concurrent}; Annals (order settled by readers) against the raw INSERT taking pg_advisory_xact_lock`,
        annals: a,
        raw: b,
        pairRatios: pairs.ab,
        target: undefined,
      },
    ];
  } finally {
    await store.close();
    for (const client of [...serialisedClients, ...plainClients]) await client.close();
  }
}

/** Runs the variant's callers for `ms`; returns its events per nanosecond in this block. */
async function block(v: Variant, ms: number, record: boolean): Promise<number> {
  const start = now();
  const endNs = ms * 1e6;
  let events = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: APPENDERS }, async (_, w) => {
      while (since(start) < endNs) {
        const t = now();
        await v.append(w);
        latencies.push(since(t));
        events++;
      }
    }),
  );
  const wallNs = since(start);
  if (record) {
    v.latencies.push(...latencies);
    v.events += events;
    v.wallNs += wallNs;
  }
  return events / wallNs;
}

function measurement(v: Variant): Measurement {
  return overlappingMeasurement(v.latencies, v.events, v.wallNs);
}
