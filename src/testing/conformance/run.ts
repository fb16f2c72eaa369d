import { afterEach, beforeAll, describe, it } from 'vitest';
import type { EventStore } from '../../core/event-store.js';
import type { PartName } from '../../backend/parts.js';
import { appendTests } from './append.js';
import { badInputTests } from './bad-input.js';
import { capabilityTests } from './capabilities.js';
import { closedStoreTests } from './closed-store.js';
import { deletionTests } from './deletion.js';
import { expectedRevisionTests } from './expected-revision.js';
import { idempotencyTests } from './idempotency.js';
import type { ConformanceOptions } from './options.js';
import { partitionTests } from './partitions.js';
import { propertyTests } from './property.js';
import { raceTests } from './race.js';
import { readAllTests } from './read-all.js';
import { readTests } from './reads.js';
import { SkipList } from './skip-list.js';
import { snapshotTests } from './snapshots.js';
import { subscriptionPageTests } from './subscription-pages.js';
import { subscriptionTests } from './subscriptions.js';
import type { Fixture, Suite } from './suite.js';
import { truncationTests } from './truncation.js';

/**
 * Registers the event-store conformance suite with vitest: every backend runs it, and a
 * backend is done when it passes with no skips. Call it at the top level of a test file.
 */
export function runEventStoreConformance(options: ConformanceOptions): void {
  const { name, create, reopen } = options;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('runEventStoreConformance: give the backend a name');
  if (typeof create !== 'function') throw new TypeError('runEventStoreConformance: create must return a fresh, empty store');
  const skips = new SkipList(options.skip);
  const opened: EventStore[] = [];

  const track = (store: EventStore) => {
    opened.push(store);
    return store;
  };
  const fixtureFor = (skip: (note: string) => never): Fixture => ({
    async store() {
      const store = track(await create());
      for await (const _ of store.readAll({ maxCount: 1 })) throw new Error(`create() of ${name} returned a store that is not empty`);
      return store;
    },
    async connect(store) {
      return reopen ? track(await reopen(store)) : store;
    },
    reopens: reopen !== undefined,
    requires(store, need) {
      if (isPartName(need) ? !store.provides(need) : !store.capabilities[need]) skip(`the ${name} store does not ${isPartName(need) ? 'provide the part' : 'declare'} ${need}`);
    },
  });

  const suite: Suite = {
    test(testName, body, testOptions) {
      const reason = skips.register(testName);
      if (reason !== undefined) {
        it.skip(`${testName} [skipped: ${reason}]`, () => {});
        return;
      }
      it(testName, (context) => body(fixtureFor((note) => context.skip(note))), testOptions?.timeout);
    },
  };

  describe(`${name} event store conformance`, () => {
    // Checked once every topic has registered its tests (nested describes are collected after
    // this callback returns): a skip naming no test fails the whole suite.
    beforeAll(() => skips.assertAllKnown());
    afterEach(async () => {
      const stores = opened.splice(0);
      // Closed in reverse so that connections opened from a store close before it.
      for (const store of stores.reverse()) await store.close();
    });
    capabilityTests(suite);
    appendTests(suite);
    expectedRevisionTests(suite);
    idempotencyTests(suite);
    readTests(suite);
    readAllTests(suite);
    subscriptionTests(suite);
    subscriptionPageTests(suite);
    partitionTests(suite);
    deletionTests(suite);
    truncationTests(suite);
    snapshotTests(suite);
    badInputTests(suite);
    closedStoreTests(suite);
    raceTests(suite);
    propertyTests(suite);
  });
}

const PART_NAMES: readonly string[] = ['log', 'snapshots', 'commits', 'readModels', 'inline', 'partitions'] satisfies readonly PartName[];

function isPartName(need: string): need is PartName {
  return PART_NAMES.includes(need);
}
