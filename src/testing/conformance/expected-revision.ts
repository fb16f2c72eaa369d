import { describe, expect } from 'vitest';
import { WrongExpectedRevisionError } from '../../core/errors.js';
import type { ExpectedRevision } from '../../core/types.js';
import type { Capabilities } from '../../backend/parts.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect, expectError, expectUnchanged, snapshot, someEvents } from './helpers.js';
import type { Suite } from './suite.js';

const STREAM = 'order-1';

/** Stream states an append can meet; each but "new" holds (or held) revisions 0..2. */
const STATES: Record<string, { needs?: keyof Capabilities; build: (store: EventStore) => Promise<void> }> = {
  'a new stream': { build: async () => {} },
  'an existing stream at revision 0': { build: (store) => store.append(STREAM, someEvents(1)).then(() => {}) },
  'an existing stream at revision 2': { build: (store) => store.append(STREAM, someEvents(3)).then(() => {}) },
  'a soft-deleted stream': {
    needs: 'softDelete',
    build: async (store) => {
      await store.append(STREAM, someEvents(3));
      await store.deleteStream(STREAM);
    },
  },
  'a hard-deleted stream': {
    needs: 'hardDelete',
    build: async (store) => {
      await store.append(STREAM, someEvents(3));
      await store.deleteStream(STREAM, { mode: 'hard' });
    },
  },
  // A truncated stream still exists: its revision is kept and reads just start later.
  'a stream truncated to no events': {
    needs: 'truncate',
    build: async (store) => {
      await store.append(STREAM, someEvents(3));
      await store.truncateStream(STREAM, { before: 3 });
    },
  },
};

type Outcome = { writes: number } | { conflict: number } | 'deleted';

const CASES: [state: string, expected: ExpectedRevision, outcome: Outcome][] = [
  ['a new stream', 'any', { writes: 0 }],
  ['a new stream', 'no_stream', { writes: 0 }],
  ['a new stream', 'stream_exists', { conflict: -1 }],
  ['a new stream', 0, { conflict: -1 }],
  // Revision 0, where an off-by-one between 'no events' (-1) and 'one event' (0) would show.
  ['an existing stream at revision 0', 'any', { writes: 1 }],
  ['an existing stream at revision 0', 'no_stream', { conflict: 0 }],
  ['an existing stream at revision 0', 'stream_exists', { writes: 1 }],
  ['an existing stream at revision 0', 0, { writes: 1 }],
  ['an existing stream at revision 0', 1, { conflict: 0 }],
  ['an existing stream at revision 2', 'any', { writes: 3 }],
  ['an existing stream at revision 2', 'no_stream', { conflict: 2 }],
  ['an existing stream at revision 2', 'stream_exists', { writes: 3 }],
  ['an existing stream at revision 2', 2, { writes: 3 }],
  ['an existing stream at revision 2', 1, { conflict: 2 }],
  ['an existing stream at revision 2', 3, { conflict: 2 }],
  ['an existing stream at revision 2', 0, { conflict: 2 }],
  ['a soft-deleted stream', 'any', { writes: 3 }],
  ['a soft-deleted stream', 'no_stream', { writes: 3 }],
  ['a soft-deleted stream', 'stream_exists', { conflict: -1 }],
  ['a soft-deleted stream', 2, { conflict: -1 }],
  ['a soft-deleted stream', 0, { conflict: -1 }],
  ['a hard-deleted stream', 'any', 'deleted'],
  ['a hard-deleted stream', 'no_stream', 'deleted'],
  ['a hard-deleted stream', 'stream_exists', 'deleted'],
  ['a hard-deleted stream', 2, 'deleted'],
  ['a stream truncated to no events', 'any', { writes: 3 }],
  ['a stream truncated to no events', 'no_stream', { conflict: 2 }],
  ['a stream truncated to no events', 'stream_exists', { writes: 3 }],
  ['a stream truncated to no events', 2, { writes: 3 }],
  ['a stream truncated to no events', 1, { conflict: 2 }],
];

function show(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? `exact revision ${expected}` : expected;
}

function outcomeName(outcome: Outcome): string {
  if (outcome === 'deleted') return 'fails with ANNALS_STREAM_DELETED';
  return 'writes' in outcome ? `writes at revision ${outcome.writes}` : `conflicts with actual ${outcome.conflict}`;
}

export function expectedRevisionTests(suite: Suite): void {
  describe('expected revision', () => {
    for (const [state, expected, outcome] of CASES) {
      suite.test(`append with ${show(expected)} to ${state} ${outcomeName(outcome)}`, async (f) => {
        const store = await f.store();
        const { needs, build } = STATES[state]!;
        if (needs) f.requires(store, needs);
        await build(store);
        const events = someEvents(2);
        if (outcome !== 'deleted' && 'writes' in outcome) {
          const result = await store.append(STREAM, events, { expectedRevision: expected });
          expect(result.stream).toBe(STREAM);
          expect(result.streamRevision).toBe(outcome.writes + 1);
          const stored = await collect(store.readStream(STREAM, { fromRevision: outcome.writes }));
          expect(stored.map((e) => [e.id, e.revision])).toEqual(events.map((e, i) => [e.id, outcome.writes + i]));
          expect(result.position).toBe(stored[1]!.position);
          expect(await store.streamInfo(STREAM)).toMatchObject({ exists: true, deleted: false, revision: outcome.writes + 1 });
          return;
        }
        const before = await snapshot(store, [STREAM]);
        if (outcome === 'deleted') {
          await expectError(store.append(STREAM, events, { expectedRevision: expected }), 'ANNALS_STREAM_DELETED', { stream: STREAM });
        } else {
          const error = await expectError(store.append(STREAM, events, { expectedRevision: expected }), 'ANNALS_WRONG_EXPECTED_REVISION', {
            stream: STREAM,
            expected,
            actual: outcome.conflict,
          });
          expect(error).toBeInstanceOf(WrongExpectedRevisionError);
          expect(error.retryable).toBe(false);
        }
        await expectUnchanged(store, before);
        for (const event of events) expect(await store.getEvent(event.id)).toBeUndefined();
      });
    }

    suite.test('defaults to any when no expected revision is given', async (f) => {
      const store = await f.store();
      await store.append(STREAM, [anEvent()]);
      expect((await store.append(STREAM, [anEvent()])).streamRevision).toBe(1);
      expect((await store.append(STREAM, [anEvent()], {})).streamRevision).toBe(2);
      expect((await store.append(STREAM, [anEvent()], { expectedRevision: undefined })).streamRevision).toBe(3);
    });

    suite.test('reports a conflict with its facts, a problem, a hint and JSON', async (f) => {
      const store = await f.store();
      await store.append(STREAM, someEvents(2));
      const error = await expectError(store.append(STREAM, [anEvent()], { expectedRevision: 5 }), 'ANNALS_WRONG_EXPECTED_REVISION');
      expect(error.problem.length).toBeGreaterThan(0);
      expect(error.hint.length).toBeGreaterThan(0);
      expect(error.message).toContain(STREAM);
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({
        code: 'ANNALS_WRONG_EXPECTED_REVISION',
        stream: STREAM,
        expected: 5,
        actual: 1,
      });
    });

    suite.test('checks each append against the revision left by the one before', async (f) => {
      const store = await f.store();
      let revision = (await store.append(STREAM, [anEvent()], { expectedRevision: 'no_stream' })).streamRevision;
      for (let i = 0; i < 4; i++) revision = (await store.append(STREAM, someEvents(2), { expectedRevision: revision })).streamRevision;
      expect(revision).toBe(8);
      await expectError(store.append(STREAM, [anEvent()], { expectedRevision: 7 }), 'ANNALS_WRONG_EXPECTED_REVISION', { actual: 8 });
    });
  });
}
