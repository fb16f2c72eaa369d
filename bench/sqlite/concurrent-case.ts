import path from 'node:path';
import { openStore, type EventStore } from '../../src/index.js';
import { timingOf } from '../lib/compare.js';
import { overlappingMeasurement } from '../lib/stats.js';
import { now, since, yieldToEventLoop } from '../lib/timer.js';
import type { Measurement, Target } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import { makeEvents } from '../lib/workload.js';
import type { CaseContext } from './cases.js';
import { RawSqlite } from './raw-sqlite.js';

const BLOCK_MS = 300;

/** One way of writing: its figures so far, and what each caller has appended. */
interface Variant {
  readonly key: 'grouped' | 'ungrouped' | 'raw';
  readonly appended: number[];
  readonly latencies: number[];
  events: number;
  wallNs: number;
  /** Runs the variant for `ms`; returns its events per nanosecond in that block. */
  block(ms: number, record: boolean): Promise<number>;
}

/**
 * `appenders` callers in one process, each appending one event per call to a stream of its
 * own at its exact expected revision, as fast as they can, for blocks of fixed duration. Three
 * variants take turns, block by block (ABC CBA …), each on a file of its own: (a) Annals with
 * group commit (the default), (b) Annals with `groupCommit: false`, (c) raw better-sqlite3
 * writing the same number of single-row inserts in one transaction at a time, the ceiling for
 * a group. Throughput = events ÷ wall time of the blocks; p50/p99 are of single append calls
 * (raw: of one transaction).
 */
export async function concurrentCase({ options, synchronous, dir, onProgress }: CaseContext, appenders: number): Promise<CaseRow[]> {
  const grouped = await openStore(`sqlite:${path.join(dir, 'grouped.db')}`, { synchronous });
  const ungrouped = await openStore(`sqlite:${path.join(dir, 'ungrouped.db')}`, { synchronous, groupCommit: false });
  const raw = await RawSqlite.open(path.join(dir, 'raw.db'), synchronous);
  try {
    const event = makeEvents(1, 0);
    const a = annalsVariant('grouped', grouped, appenders, event);
    const b = annalsVariant('ungrouped', ungrouped, appenders, event);
    const c = rawVariant(raw, appenders, event);
    const variants = [a, b, c];

    const { warmupMs, measureMs } = timingOf(options);
    for (const v of variants) await v.block(Math.max(warmupMs, BLOCK_MS), false);
    const pairs = { raw: [] as number[], ungrouped: [] as number[] };
    for (let round = 0; round % 2 === 1 || Math.min(...variants.map((v) => v.wallNs)) < measureMs * 1e6; round++) {
      const rate = new Map<Variant, number>();
      for (const v of round % 2 === 0 ? variants : [...variants].reverse()) rate.set(v, await v.block(BLOCK_MS, true));
      pairs.raw.push(rate.get(a)! / rate.get(c)!);
      pairs.ungrouped.push(rate.get(a)! / rate.get(b)!);
      onProgress(Math.min(1, a.wallNs / (measureMs * 1e6)), `${a.latencies.length} grouped appends`);
      await yieldToEventLoop();
    }

    // Each side wrote exactly what it was asked to, at the revisions it expected.
    for (const [v, store] of [[a, grouped], [b, ungrouped]] as const) {
      for (let w = 0; w < appenders; w++) {
        const { revision } = await store.streamInfo(`worker-${w}`);
        if (revision !== v.appended[w]! - 1) throw new Error(`${v.key}: worker-${w} is at revision ${revision}, expected ${v.appended[w]! - 1}`);
      }
    }
    if (raw.count() !== sum(c.appended)) throw new Error(`raw wrote ${raw.count()} events, expected ${sum(c.appended)}`);

    return rows(appenders, synchronous === 'full', measurement(a), measurement(b), measurement(c), pairs);
  } finally {
    await grouped.close();
    await ungrouped.close();
    raw.close();
  }
}

/** The case's rows: grouped against the raw transaction and against ungrouped; at 8 and more, p99 grouped ÷ ungrouped. */
function rows(
  appenders: number,
  full: boolean,
  grouped: Measurement,
  ungrouped: Measurement,
  raw: Measurement,
  pairs: { raw: number[]; ungrouped: number[] },
): CaseRow[] {
  const name = appenders === 1 ? 'append-lone' : `append-concurrent-${appenders}`;
  const who = appenders === 1 ? 'one appender' : `${appenders} appenders`;
  const work = `${who}, 1 event per call, each on its own stream at its exact expected revision`;
  // The issue's goals, stated for synchronous = FULL (a lone appender's for both).
  const target = (t: Target): Target | undefined => (full || appenders === 1 ? t : undefined);
  const result: CaseRow[] = [
    {
      name,
      label: `append ×1, ${who}: grouped vs raw`,
      description: `${work}; raw: ${appenders === 1 ? 'one INSERT' : `${appenders} single-row INSERTs`} per transaction`,
      annals: grouped,
      raw,
      pairRatios: pairs.raw,
      target: appenders === 1 ? { minRatio: 0.8 } : target({ minRatio: 0.8 }),
    },
    {
      name: `${name}-ungrouped`,
      label: `append ×1, ${who}: grouped vs ungrouped`,
      description: `${work}; "raw" column: Annals with groupCommit: false`,
      annals: grouped,
      raw: ungrouped,
      pairRatios: pairs.ungrouped,
      target: appenders === 1 ? { minRatio: 0.95 } : appenders >= 32 ? target({ minRatio: 3 }) : undefined,
    },
  ];
  if (appenders > 1) {
    result.push({
      name: `${name}-p99`,
      label: `append ×1, ${who}: p99 grouped ÷ ungrouped`,
      description: `${work}; the ratio is grouped p99 ÷ ungrouped p99 ("raw" column: groupCommit: false)`,
      annals: grouped,
      raw: ungrouped,
      ratio: grouped.p99Ns / ungrouped.p99Ns,
      pairRatios: [],
      target: appenders >= 32 ? target({ maxRatio: 1 }) : undefined,
    });
  }
  return result;
}

function annalsVariant(key: 'grouped' | 'ungrouped', store: EventStore, appenders: number, event: ReturnType<typeof makeEvents>): Variant {
  const v = variant(key, appenders, async (ms) => {
    const start = now();
    const endNs = ms * 1e6;
    const latencies: number[] = [];
    await Promise.all(
      v.appended.map(async (_, w) => {
        while (since(start) < endNs) {
          const revision = v.appended[w]!;
          const t = now();
          await store.append(`worker-${w}`, event, { expectedRevision: revision === 0 ? 'no_stream' : revision - 1 });
          latencies.push(since(t));
          v.appended[w]!++;
        }
      }),
    );
    return { latencies, events: latencies.length, wallNs: since(start) };
  });
  return v;
}

function rawVariant(raw: RawSqlite, appenders: number, event: ReturnType<typeof makeEvents>): Variant {
  const v = variant('raw', appenders, async (ms) => {
    const start = now();
    const endNs = ms * 1e6;
    const latencies: number[] = [];
    while (since(start) < endNs) {
      const appends = v.appended.map((firstRevision, w) => ({ stream: `worker-${w}`, events: event, firstRevision }));
      const t = now();
      raw.appendTogether(appends);
      latencies.push(since(t));
      for (let w = 0; w < appenders; w++) v.appended[w]!++;
    }
    return { latencies, events: latencies.length * appenders, wallNs: since(start) };
  });
  return v;
}

function variant(key: Variant['key'], appenders: number, run: (ms: number) => Promise<{ latencies: number[]; events: number; wallNs: number }>): Variant {
  const v: Variant = {
    key,
    appended: new Array<number>(appenders).fill(0),
    latencies: [],
    events: 0,
    wallNs: 0,
    async block(ms, record) {
      const { latencies, events, wallNs } = await run(ms);
      if (record) {
        for (const latency of latencies) v.latencies.push(latency);
        v.events += events;
        v.wallNs += wallNs;
      }
      return events / wallNs;
    },
  };
  return v;
}

function measurement(v: Variant): Measurement {
  return overlappingMeasurement(v.latencies, v.events, v.wallNs);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
