import { ReadModels, runProjections, type EventStore, type Projection } from '../../src/index.js';
import { compare, timingOf, type Side } from '../lib/compare.js';
import { formatCount, formatShortCount } from '../lib/format.js';
import { catchUpEvents, type ProjectionsCase } from './cases.js';
import { RawProjector, type RawKind } from './raw-projector.js';
import { countingProjection, entriesProjection, STREAMS, writeLog } from './workload.js';

/** What a leading TypeScript peer's async projection catches up at on the machine of bench/README.md, for reference. */
export const PEER_CATCH_UP_EVENTS_PER_SECOND = 3_800;

const TARGETS: Record<RawKind, number> = { counting: 0.7, entries: 0.6 };

/**
 * `catch-up` and `doc-per-event`: a new projection catches up a log of `--events` events (default
 * 20,000, all in `account-*` streams) from position 0, each operation a projection of its own.
 * Annals: runProjections with the page size as batch size, until `caughtUp()`, then stop.
 * Raw: RawProjector on the driver, the same pages, documents and checkpoint by hand.
 */
export function catchUpCase(kind: RawKind): ProjectionsCase {
  const name = kind === 'counting' ? 'catch-up' : 'doc-per-event';
  return {
    name,
    backends: ['sqlite', 'postgres'],
    async run({ options, backend, onProgress, note }) {
      const events = catchUpEvents(options);
      const db = await backend.open(name);
      await writeLog(db.store, events, (n) => onProgress(0, `writing the log: ${formatCount(n)} events`));
      const head = await db.store.headPosition();
      const raw = await db.raw();
      const make = kind === 'counting' ? countingProjection : entriesProjection;
      let last: Projection | undefined;
      let annalsRuns = 0;
      const annals: Side = {
        next() {
          const projection = (last = make(`${kind}-${annalsRuns++}`));
          return async () => {
            const running = await runProjections(db.store, [projection], { batchSize: options.pageSize });
            await running.caughtUp();
            await running.stop();
            return events;
          };
        },
      };
      let rawRuns = 0;
      let lastRaw: RawProjector | undefined;
      const rawSide: Side = {
        next() {
          const projector = (lastRaw = new RawProjector(raw, kind, `${kind}_${rawRuns++}`, options.pageSize));
          return async () => {
            await projector.prepare();
            return projector.catchUp();
          };
        },
      };
      const comparison = await compare({ annals, raw: rawSide, ...timingOf(options), minOperations: 3, onProgress });
      await check(db.store, last!, kind, events, head);
      if (lastRaw!.checkpoint !== head) throw new Error(`the raw projector stopped at ${lastRaw!.checkpoint}, the head is ${head}`);
      const what = kind === 'counting' ? `counting (≤ ${STREAMS} docs)` : 'a document per event';
      note(
        `projections ${backend.setting} · ${name}: annals ${formatCount(comparison.annals.eventsPerSecond)} ev/s, raw ${formatCount(comparison.raw.eventsPerSecond)} ev/s; ` +
          `for reference, a leading TypeScript peer catches up at about ${formatCount(PEER_CATCH_UP_EVENTS_PER_SECOND)} ev/s on the README's machine`,
      );
      return [
        {
          name,
          label: `catch-up ${formatShortCount(events)} → ${what} (peer ≈ ${formatCount(PEER_CATCH_UP_EVENTS_PER_SECOND)} ev/s)`,
          description:
            `a new projection catches up ${formatCount(events)} events from 0: Annals' async runner (batch ${options.pageSize}) until caughtUp, ` +
            `vs a raw loop: the same keyset pages, ${kind === 'counting' ? 'the touched documents read, folded and' : 'one document per event'} upserted, and the checkpoint, in one transaction per page`,
          annals: comparison.annals,
          raw: comparison.raw,
          pairRatios: comparison.pairRatios,
          target: { minRatio: TARGETS[kind] },
        },
      ];
    },
  };
}

/** The last Annals run must have reached the head and applied every event once. */
async function check(store: EventStore, projection: Projection, kind: RawKind, events: number, head: number): Promise<void> {
  const readModels = new ReadModels(store.readModelStore());
  const checkpoint = await readModels.checkpoint(projection);
  if (checkpoint !== head) throw new Error(`${projection.name} stopped at ${checkpoint}, the head is ${head}`);
  if (kind === 'entries') {
    const count = await readModels.collection(projection, 'entries').count();
    if (count !== events) throw new Error(`${projection.name} wrote ${count} documents for ${events} events`);
    return;
  }
  const page = await readModels.collection<{ events: number }>(projection, 'counts').find({ limit: 1000 });
  const counted = page.items.reduce((sum, item) => sum + item.document.events, 0);
  if (counted !== events) throw new Error(`${projection.name} counted ${counted} events of ${events}`);
}
