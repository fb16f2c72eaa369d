import { groupTests } from './groups.js';
import { afterEach, beforeAll, describe, it } from 'vitest';
import type { EventStore } from '../../../core/event-store.js';
import { runProjections, type RunningProjections } from '../../../projection/run-projections.js';
import type { ReadModelStore } from '../../../readmodel/read-model-store.js';
import { SkipList } from '../skip-list.js';
import { cleanFoldTests } from './clean-fold.js';
import { consistencyTests } from './consistency.js';
import { deadLetterTests } from './dead-letters.js';
import { foldTests } from './folds.js';
import { inlineTests } from './inline.js';
import type { ProjectionConformanceOptions, ProjectionStores } from './options.js';
import { standbyTests } from './standby.js';
import { statusTests } from './status.js';
import type { ProjectionFixture, ProjectionSuite } from './suite.js';

/** The lease the suite's runners take unless a test says otherwise: short, so that takeovers are quick. */
const LEASE_TTL_MS = 1000;

/**
 * Registers the projection conformance suite with vitest: real runners (and inline projections,
 * where the log's backend runs them) over an event store and a read-model store, which may be
 * two different backends (a Redis log into PostgreSQL read models). A pair is done when it
 * passes with no skips. Call it at the top level of a test file.
 */
export function runProjectionConformance(options: ProjectionConformanceOptions): void {
  const { name, create, reopen } = options;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('runProjectionConformance: give the backends a name');
  if (typeof create !== 'function') throw new TypeError('runProjectionConformance: create must return a fresh, empty { events, readModels }');
  const skips = new SkipList(options.skip);
  const pairs: ProjectionStores[] = [];
  const runs: RunningProjections[] = [];
  const track = (stores: ProjectionStores) => {
    pairs.push(stores);
    return stores;
  };
  const fixture: ProjectionFixture = {
    stores: async () => track(await create()),
    connect: async (stores) => (reopen ? track(await reopen(stores)) : stores),
    reopens: reopen !== undefined,
    async run(stores, projections, runOptions = {}) {
      const running = await runProjections(stores.events, projections, { readModels: stores.readModels, leaseTtlMs: LEASE_TTL_MS, ...runOptions });
      runs.push(running);
      return running;
    },
  };
  const suite: ProjectionSuite = {
    test(testName, body, testOptions) {
      const reason = skips.register(testName);
      if (reason !== undefined) {
        it.skip(`${testName} [skipped: ${reason}]`, () => {});
        return;
      }
      it(testName, () => body(fixture), testOptions?.timeout ?? 20_000);
    },
  };

  describe(`${name} projection conformance`, () => {
    beforeAll(() => skips.assertAllKnown());
    afterEach(async () => {
      for (const running of runs.splice(0).reverse()) await running.stop();
      await closeAll(pairs.splice(0).reverse());
    });
    foldTests(suite);
    consistencyTests(suite);
    deadLetterTests(suite);
    standbyTests(suite);
    cleanFoldTests(suite);
    statusTests(suite);
    inlineTests(suite);
    groupTests(suite);
  });
}

/** Closes each event store once, and each read-model store that is not an event store's own part. */
async function closeAll(pairs: readonly ProjectionStores[]): Promise<void> {
  const own = new Set<ReadModelStore>();
  const events = new Set<EventStore>();
  const readModels = new Set<ReadModelStore>();
  for (const pair of pairs) {
    if (pair.events.provides('readModels')) own.add(pair.events.readModelStore());
    events.add(pair.events);
    readModels.add(pair.readModels);
  }
  for (const store of readModels) if (!own.has(store)) await store.close();
  for (const store of events) await store.close();
}
