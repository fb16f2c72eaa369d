import type { ConformanceSkip } from './options.js';

/**
 * The declared skips of one run, checked against the tests the suite registers: a skip
 * must name exactly one existing test, so a renamed or removed test cannot leave a stale
 * skip behind.
 */
export class SkipList {
  private readonly reasons = new Map<string, string>();
  private readonly registered = new Set<string>();

  constructor(skips: readonly ConformanceSkip[]) {
    if (!Array.isArray(skips)) throw new TypeError('conformance skip must be an array of { test, reason }');
    for (const entry of skips as unknown[]) {
      const { test, reason } = (entry ?? {}) as Partial<ConformanceSkip>;
      if (typeof test !== 'string' || test.length === 0) {
        throw new TypeError(`conformance skip ${JSON.stringify(entry)}: "test" must be the exact name of a test`);
      }
      if (typeof reason !== 'string' || reason.trim().length === 0) {
        throw new TypeError(`conformance skip of "${test}": give a reason`);
      }
      if (this.reasons.has(test)) throw new TypeError(`conformance skip of "${test}" is declared twice`);
      this.reasons.set(test, reason);
    }
  }

  /** Records a test of the suite; returns the reason when it is skipped. Test names must be unique. */
  register(test: string): string | undefined {
    if (this.registered.has(test)) throw new Error(`the conformance suite has two tests named "${test}"`);
    this.registered.add(test);
    return this.reasons.get(test);
  }

  /** Skips that named no registered test. */
  unknown(): string[] {
    return [...this.reasons.keys()].filter((test) => !this.registered.has(test));
  }

  /** Fails loudly when a skip names no test of the suite. */
  assertAllKnown(): void {
    const unknown = this.unknown();
    if (unknown.length > 0) {
      throw new Error(
        `conformance skip names ${unknown.length === 1 ? 'a test that does' : 'tests that do'} not exist: ` +
          `${unknown.map((t) => JSON.stringify(t)).join(', ')}. Use the exact test name, or remove the skip.`,
      );
    }
  }
}
