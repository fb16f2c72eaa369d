import path from 'node:path';
import { loadState, openStore, type EventStore } from '../../src/index.js';
import { compare, timingOf, type Side } from '../lib/compare.js';
import { formatCount, formatDuration, formatShortCount } from '../lib/format.js';
import type { CaseRow } from '../lib/verdict.js';
import type { MeasureContext, PrepareContext, PreparedCase } from './cases.js';
import { EVENTS_AFTER_SNAPSHOT, snapshottedStream, writeFixture } from './fixture.js';
import { snapshottedLedger } from './ledger.js';

/** The short stream of `snapshot-load`; the long one has `--events` events. */
const SHORT_STREAM_EVENTS = 1000;

/** With snapshots, loading a stream of `--events` events may take at most this many times as long (p50) as one of 1,000. */
export const LOAD_GROWTH_LIMIT = 1.5;

interface LoadStream {
  readonly name: string;
  readonly events: number;
}

/**
 * `snapshot-load`: what handleCommand does before `decide` (loadState with the decider's snapshot
 * version) on a stream of 1,000 events and on one of `--events`, in one file, each with its
 * snapshot EVENTS_AFTER_SNAPSHOT events behind the head. Loads only read: one fixture serves
 * every setting. The ratio checked is p50 long ÷ p50 short.
 */
export async function prepareLoadCase({ options, dir, onProgress }: PrepareContext): Promise<PreparedCase> {
  if (options.events <= SHORT_STREAM_EVENTS) throw new Error(`snapshot-load compares ${formatCount(SHORT_STREAM_EVENTS)} events with --events: give --events above ${SHORT_STREAM_EVENTS}`);
  const short = { name: `ledger-${formatShortCount(SHORT_STREAM_EVENTS)}`, events: SHORT_STREAM_EVENTS };
  const long = { name: `ledger-${formatShortCount(options.events)}`, events: options.events };
  const fixture = path.join(dir, 'streams.db');
  const total = short.events + long.events;
  await writeFixture(fixture, async (store) => {
    let done = 0;
    for (const stream of [short, long]) {
      await snapshottedStream(store, stream.name, stream.events, (n) => onProgress((done + n) / total, `${formatCount(done + n)} events`));
      done += stream.events;
    }
  });
  return {
    fixture: `${formatCount(short.events)} events in ${short.name}, ${formatCount(long.events)} in ${long.name}, snapshots ${EVENTS_AFTER_SNAPSHOT} events behind their heads`,
    measure: (context) => loadComparison(context, fixture, short, long),
  };
}

async function loadComparison({ options, synchronous, onProgress, note }: MeasureContext, fixture: string, short: LoadStream, long: LoadStream): Promise<CaseRow[]> {
  const store = await openStore(`sqlite:${fixture}`, { synchronous, pageSize: options.pageSize });
  try {
    // "annals" is the long stream, "raw" the short one: both are Annals.
    const comparison = await compare({ annals: loadSide(store, long), raw: loadSide(store, short), ...timingOf(options), onProgress });
    const growth = comparison.annals.p50Ns / comparison.raw.p50Ns;
    const sizes = `${formatShortCount(long.events)} ÷ ${formatShortCount(short.events)}`;
    note(
      `command · snapshot-load: p50 ${formatDuration(comparison.annals.p50Ns)} on ${formatCount(long.events)} events, ` +
        `${formatDuration(comparison.raw.p50Ns)} on ${formatCount(short.events)}: ×${growth.toFixed(2)} (limit ${LOAD_GROWTH_LIMIT})`,
    );
    return [
      {
        name: 'snapshot-load',
        label: `snapshot load ${sizes} (p50)`,
        description:
          `loadState with snapshots; "annals" columns: a ${formatCount(long.events)}-event stream, "raw" columns: a ${formatCount(short.events)}-event one, ` +
          `both Annals; ratio = p50 ${sizes} (target ≤ ${LOAD_GROWTH_LIMIT})`,
        annals: comparison.annals,
        raw: comparison.raw,
        // compare() pairs throughputs long/short; the ratio here is a time long ÷ short.
        pairRatios: comparison.pairRatios.map((r) => 1 / r),
        target: { maxRatio: LOAD_GROWTH_LIMIT },
        ratio: growth,
      },
    ];
  } finally {
    await store.close();
  }
}

/** Each operation loads the stream's state and fails unless it started from the snapshot and reached the head. */
function loadSide(store: EventStore, { name, events }: LoadStream): Side {
  const { version } = snapshottedLedger.snapshot;
  const snapshotRevision = events - EVENTS_AFTER_SNAPSHOT - 1;
  return {
    next: () => async () => {
      const loaded = await loadState(store, snapshottedLedger, name, { snapshotVersion: version });
      if (loaded.revision !== events - 1 || loaded.snapshotRevision !== snapshotRevision || loaded.state.deposits !== events) {
        throw new Error(`${name} loaded at revision ${loaded.revision} from snapshot ${loaded.snapshotRevision}, expected ${events - 1} from ${snapshotRevision}`);
      }
      return 1;
    },
  };
}
