import { afterEach, beforeAll, describe, it } from 'vitest';
import type { ReadModelStore } from '../../../readmodel/read-model-store.js';
import { SkipList } from '../skip-list.js';
import { commitTests } from './commits.js';
import { deadLetterTests } from './dead-letters.js';
import { documentTests } from './documents.js';
import { findTests } from './finds.js';
import { groupTests } from './groups.js';
import { leaseTests } from './leases.js';
import type { ReadModelConformanceOptions } from './options.js';
import type { ReadModelFixture, ReadModelSuite } from './suite.js';
import { versionTests } from './versions.js';

/**
 * Registers the read-model conformance suite with vitest: every read-model store (the query
 * store of memory, SQLite, PostgreSQL, Redis, and a third party's) runs it, and is done when it
 * passes with no skips. Call it at the top level of a test file.
 */
export function runReadModelConformance(options: ReadModelConformanceOptions): void {
  const { name, create, reopen } = options;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('runReadModelConformance: give the backend a name');
  if (typeof create !== 'function') throw new TypeError('runReadModelConformance: create must return a fresh, empty read-model store');
  const skips = new SkipList(options.skip);
  const opened: ReadModelStore[] = [];
  const track = (store: ReadModelStore) => {
    opened.push(store);
    return store;
  };
  const fixture: ReadModelFixture = {
    store: async () => track(await create()),
    connect: async (store) => (reopen ? track(await reopen(store)) : store),
    reopens: reopen !== undefined,
  };
  const suite: ReadModelSuite = {
    test(testName, body, testOptions) {
      const reason = skips.register(testName);
      if (reason !== undefined) {
        it.skip(`${testName} [skipped: ${reason}]`, () => {});
        return;
      }
      it(testName, () => body(fixture), testOptions?.timeout);
    },
  };

  describe(`${name} read-model conformance`, () => {
    beforeAll(() => skips.assertAllKnown());
    afterEach(async () => {
      const stores = opened.splice(0);
      for (const store of stores.reverse()) await store.close();
    });
    documentTests(suite);
    findTests(suite);
    commitTests(suite);
    leaseTests(suite);
    deadLetterTests(suite);
    versionTests(suite);
    groupTests(suite);
  });
}
