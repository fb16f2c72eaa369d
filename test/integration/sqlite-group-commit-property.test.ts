import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AnnalsError, openStore, type AppendRequest, type EventStore, type ExpectedRevision } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { behindTheLock, walCommits } from '../helpers/group-commit.js';
import { createTempDir } from '../helpers/temp-dir.js';

// Property: appends committed as one group on SQLite end exactly as the same calls made one
// after another, in call order, on the memory store (which the conformance suite holds to the
// rules): the same result or the same typed error for each call, and the same log.

const STREAMS = ['group-a', 'group-b', 'other-c'];

type Expectation = 'any' | 'no_stream' | 'stream_exists' | number;
/** One part of a call: a stream, and either fresh events or the ids of an earlier call's part (a retry). */
interface PartSpec {
  readonly stream: number;
  readonly count: number;
  readonly expected: Expectation;
  /** Reuse the ids of an earlier call (by index, modulo the calls before): same, first only, or last only. */
  readonly reuse: { readonly of: number; readonly shape: 'same' | 'head' | 'tail' } | undefined;
}
type CallSpec = readonly PartSpec[];

const expectation: fc.Arbitrary<Expectation> = fc.oneof(
  fc.constantFrom<Expectation>('any', 'no_stream', 'stream_exists'),
  fc.integer({ min: 0, max: 4 }),
);
const part = (stream: fc.Arbitrary<number>): fc.Arbitrary<PartSpec> =>
  fc.record({
    stream,
    count: fc.integer({ min: 1, max: 3 }),
    expected: expectation,
    reuse: fc.option(fc.record({ of: fc.nat(), shape: fc.constantFrom('same' as const, 'same' as const, 'head' as const, 'tail' as const) }), { freq: 3 }),
  });
const call: fc.Arbitrary<CallSpec> = fc.oneof(
  { arbitrary: part(fc.nat({ max: STREAMS.length - 1 })).map((p) => [p]), weight: 4 },
  {
    arbitrary: fc.uniqueArray(fc.nat({ max: STREAMS.length - 1 }), { minLength: 2, maxLength: 2 }).chain(([a, b]) => fc.tuple(part(fc.constant(a!)), part(fc.constant(b!)))),
    weight: 1,
  },
);

/** The calls as requests, the same for both stores: fresh ids are numbered, reused ones copied. */
function requestsOf(calls: readonly CallSpec[]): AppendRequest[][] {
  let counter = 0;
  const made: AppendRequest[][] = [];
  for (const [index, spec] of calls.entries()) {
    made.push(
      spec.map((p) => {
        const earlier = p.reuse && index > 0 ? made[p.reuse.of % index]![0]! : undefined;
        const ids =
          earlier === undefined ? Array.from({ length: p.count }, () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`)
          : p.reuse!.shape === 'head' ? [earlier.events[0]!.id!]
          : p.reuse!.shape === 'tail' ? [earlier.events[earlier.events.length - 1]!.id!]
          : earlier.events.map((e) => e.id!);
        return { stream: STREAMS[p.stream]!, events: ids.map((id) => ({ id, type: 'Noted', data: { id } })), expectedRevision: p.expected as ExpectedRevision };
      }),
    );
  }
  return made;
}

function invoke(store: EventStore, request: AppendRequest[]): Promise<unknown> {
  if (request.length > 1) return store.appendMany(request);
  const [only] = request;
  return store.append(only!.stream, only!.events, { expectedRevision: only!.expectedRevision });
}

/** A call's outcome as data: its result, or its error's code and facts. */
function describeOutcome(settled: PromiseSettledResult<unknown>): unknown {
  if (settled.status === 'fulfilled') return settled.value;
  const error = settled.reason as unknown;
  if (!(error instanceof AnnalsError)) throw error;
  const { message: _message, hint: _hint, stack: _stack, ...facts } = error as AnnalsError & Record<string, unknown>;
  return { error: error.name, ...facts };
}

async function logOf(store: EventStore): Promise<unknown[]> {
  return (await collect(store.readAll())).map(({ id, stream, revision, position, type }) => ({ id, stream, revision, position, type }));
}

const dir = createTempDir();
afterAll(() => dir.remove());
let files = 0;

describe('SQLite group commit: property', () => {
  it('ends as the same calls one after another: each call its own result or error, the same log', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }), fc.array(call, { minLength: 2, maxLength: 24 }), async (seeds, calls) => {
        const file = dir.file(`property-${++files}.db`);
        // No time bound to speak of: the calls must make one group even on a loaded machine.
        const grouped = await openStore(`sqlite:${file}?groupMaxMs=60000`);
        const sequential = await openStore('memory:');
        try {
          // The same starting point on both, appended one by one.
          for (const [s, count] of seeds.entries()) {
            for (let i = 0; i < count; i++) {
              for (const store of [grouped, sequential]) await store.append(STREAMS[s]!, [{ type: 'Seeded', data: { i } }].map((e) => ({ ...e, id: `00000000-0000-4000-9000-${(s * 10 + i).toString(16).padStart(12, '0')}` })));
            }
          }
          const requests = requestsOf(calls);
          const before = walCommits(file);
          const inGroup = await behindTheLock(file, () => requests.map((r) => invoke(grouped, r)));
          expect(walCommits(file) - before, 'one transaction at most').toBeLessThanOrEqual(1);
          const oneByOne: PromiseSettledResult<unknown>[] = [];
          for (const r of requests) oneByOne.push(...(await Promise.allSettled([invoke(sequential, r)])));

          expect(inGroup.map(describeOutcome)).toEqual(oneByOne.map(describeOutcome));
          expect(await logOf(grouped)).toEqual(await logOf(sequential));
        } finally {
          await grouped.close();
          await sequential.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
