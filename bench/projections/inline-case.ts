import { runProjections, type EventStore } from '../../src/index.js';
import { compare, timingOf, type Side } from '../lib/compare.js';
import { makeEvents } from '../lib/workload.js';
import type { ProjectionsCase } from './cases.js';
import { countingProjection, STREAMS } from './workload.js';

/** Appends with one inline projection must keep at least this share of the appends without one. */
const INLINE_MIN_RATIO = 0.7;

/**
 * `inline`: single-event appends to the 100 `account-*` streams on a store with the counting
 * projection registered inline, against the same appends on a store without it (each its own
 * database, block by block in one run). The "raw" columns are the store without the projection.
 * Skipped, with a note, where the store cannot run inline projections (`provides('inline')`).
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
      return [
        {
          name: 'inline',
          label: 'append ×1 with an inline projection ÷ without',
          description: `store.append of one event to ${STREAMS} streams in turn; "annals": with the counting projection registered inline (runProjections { inline }), "raw": the same appends on a store without it`,
          ...comparison,
          target: { minRatio: INLINE_MIN_RATIO },
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
