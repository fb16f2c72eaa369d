import { runProjections, type EventStore } from '../../src/index.js';
import { compare, timingOf, type Side } from '../lib/compare.js';
import { makeEvents } from '../lib/workload.js';
import type { ProjectionsCase } from './cases.js';
import type { RawDriver } from './raw-driver.js';
import { amountOf, countingProjection, STREAMS, type Count } from './workload.js';

/** Appends with one inline projection must keep at least this share of the appends without one. */
const INLINE_MIN_RATIO = 0.7;

/**
 * `inline`: single-event appends to the 100 `account-*` streams on a store with the counting
 * projection registered inline, against the same appends on a store without it (each its own
 * database, block by block in one run). The "raw" columns are the store without the projection.
 * Skipped, with a note, where the store cannot run inline projections (`provides('inline')`).
 *
 * A second row, for information, bounds what any inline projection can keep: the same appends
 * written by hand on the raw driver, each in a transaction that also reads and folds the stream's
 * counting document and moves a checkpoint (RawDriver.appendApplying), against plain autocommitted
 * inserts by the same driver.
 */
export const inlineCase: ProjectionsCase = {
  name: 'inline',
  backends: ['sqlite', 'postgres'],
  async run({ options, backend, onProgress, note }) {
    const withInline = await backend.open('inline_with');
    if (!withInline.store.provides('inline')) {
      note(`projections ${backend.setting} · inline: skipped: this store does not run inline projections yet (store.provides('inline') is false)`);
      return [];
    }
    const without = await backend.open('inline_without');
    const projection = countingProjection('inline');
    const running = await runProjections(withInline.store, { inline: [projection] }, { batchSize: options.pageSize });
    try {
      await running.caughtUp();
      const comparison = await compare({ annals: appends(withInline.store), raw: appends(without.store), ...timingOf(options), onProgress });
      const head = await withInline.store.headPosition();
      const checkpoint = await running.readModels.checkpoint(projection);
      if (checkpoint !== head) throw new Error(`the inline projection is at ${checkpoint}, the head is ${head}`);
      const floor = await floorOf(await (await backend.open('inline_floor')).raw(), timingOf(options), onProgress);
      return [
        {
          name: 'inline',
          label: 'append ×1 with an inline projection ÷ without',
          description: `store.append of one event to ${STREAMS} streams in turn; "annals": with the counting projection registered inline (runProjections { inline }), "raw": the same appends on a store without it`,
          ...comparison,
          target: { minRatio: INLINE_MIN_RATIO },
        },
        {
          name: 'inline-by-hand',
          label: 'by hand: append ×1 applying ÷ append ×1',
          description: `the raw driver alone: an INSERT that also reads (locked) and moves a checkpoint and reads and upserts the stream's counting document in its transaction ("annals" column; ${backend.name === 'postgres' ? 'two round trips, pipelined' : 'one immediate transaction'}) vs the same INSERT autocommitted ("raw" column)`,
          ...floor,
          target: undefined,
        },
      ];
    } finally {
      await running.stop();
    }
  },
};

function appends(store: EventStore): Side {
  let n = 0;
  return {
    next() {
      const i = n++;
      const events = makeEvents(1, i);
      return async () => {
        await store.append(`account-${i % STREAMS}`, events);
        return 1;
      };
    },
  };
}

/** The by-hand row: appendApplying against append, on the raw driver, each to its own 100 streams. */
async function floorOf(raw: RawDriver, timing: ReturnType<typeof timingOf>, onProgress: (fraction: number, status: string) => void) {
  await raw.prepare('floor_counts', 'floor');
  const revisions = new Map<string, number>();
  let applied = 0;
  const next = (stream: string) => {
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    return revision;
  };
  const side = (applying: boolean): Side => {
    let n = 0;
    return {
      next() {
        const i = n++;
        const stream = `${applying ? 'floor' : 'plain'}-${i % STREAMS}`;
        const [event] = makeEvents(1, i);
        return async () => {
          const revision = next(stream);
          if (!applying) await raw.append(stream, revision, event!);
          else {
            const fold = (json: string | undefined) => {
              const count: Count = json === undefined ? { events: 0, total: 0 } : (JSON.parse(json) as Count);
              return JSON.stringify({ events: count.events + 1, total: count.total + amountOf(event!) });
            };
            await raw.appendApplying({ stream, revision, event: event!, table: 'floor_counts', name: 'floor', id: stream, fold });
            applied++;
          }
          return 1;
        };
      },
    };
  };
  const comparison = await compare({ annals: side(true), raw: side(false), ...timing, onProgress });
  const documents = await raw.load('floor_counts', Array.from({ length: STREAMS }, (_, i) => `floor-${i}`));
  const counted = [...documents.values()].reduce((sum, json) => sum + (JSON.parse(json) as Count).events, 0);
  if (counted !== applied) throw new Error(`the by-hand documents count ${counted} events, ${applied} were appended`);
  return comparison;
}
