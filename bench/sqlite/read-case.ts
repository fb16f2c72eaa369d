import { openStore, type EventStore } from '../../src/index.js';
import { compare, timingOf, type Comparison } from '../lib/compare.js';
import { checkCount, readSide } from '../lib/sides.js';
import type { CaseContext } from './cases.js';
import { RawSqlite } from './raw-sqlite.js';
import type { ReadFixture } from './read-fixture.js';

export interface ReadCaseSpec {
  annals(store: EventStore, fixture: ReadFixture, pageSize: number): AsyncIterable<{ readonly position: number }>;
  raw(raw: RawSqlite, fixture: ReadFixture, pageSize: number, consume: (event: { readonly position: number }) => void): number;
  expected(fixture: ReadFixture): number;
}

/** Full reads of the shared fixture file: Annals and the raw baseline each through their own connection. */
export async function readCase({ options, synchronous, fixture, onProgress }: CaseContext, spec: ReadCaseSpec): Promise<Comparison> {
  if (!fixture) throw new Error('read cases need the read fixture');
  const store = await openStore(`sqlite:${fixture.path}`, { synchronous });
  const raw = await RawSqlite.open(fixture.path, synchronous);
  const expected = spec.expected(fixture);
  let sink = 0; // every event is looked at, on both sides
  try {
    const comparison = await compare({
      annals: readSide(() => spec.annals(store, fixture, options.pageSize), expected, (position) => void (sink += position)),
      raw: {
        next: () => () => checkCount('raw', spec.raw(raw, fixture, options.pageSize, (event) => void (sink += event.position)), expected),
      },
      ...timingOf(options),
      onProgress,
    });
    if (sink <= 0) throw new Error('nothing was read');
    return comparison;
  } finally {
    await store.close();
    raw.close();
  }
}
