import { describe, expect } from 'vitest';
import type { ExpectedRevision } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect, expectError, expectUnchanged, seed, snapshot } from './helpers.js';
import type { Fixture, Suite } from './suite.js';

const STREAM = 'order-1';
const OTHER = 'order-2';

/** order-1 with revisions 0..2 and order-2 with 0..1, interleaved in the log. */
async function twoStreams(f: Fixture, capability: 'softDelete' | 'hardDelete') {
  const store = await f.store();
  f.requires(store, capability);
  for (let i = 0; i < 3; i++) {
    await store.append(STREAM, [anEvent('A', { i })]);
    if (i < 2) await store.append(OTHER, [anEvent('A', { i })]);
  }
  const all = await collect(store.readAll());
  return { store, all, mine: all.filter((e) => e.stream === STREAM), others: all.filter((e) => e.stream === OTHER) };
}

async function expectNothingReadable(store: EventStore, stream: string, ids: string[]) {
  expect(await collect(store.readStream(stream))).toEqual([]);
  expect(await collect(store.readStream(stream, { direction: 'backwards' }))).toEqual([]);
  expect((await collect(store.readAll())).filter((e) => e.stream === stream)).toEqual([]);
  for (const id of ids) expect(await store.getEvent(id)).toBeUndefined();
}

function softDeleteTests(suite: Suite): void {
  suite.test('soft delete hides every event of the stream and reports it soft-deleted', async (f) => {
    const { store, mine, others } = await twoStreams(f, 'softDelete');
    await store.deleteStream(STREAM, { mode: 'soft' });
    await expectNothingReadable(store, STREAM, mine.map((e) => e.id));
    expect(await store.streamInfo(STREAM)).toEqual({ stream: STREAM, exists: false, revision: 2, deleted: 'soft', truncatedBefore: 3 });
    // Other streams keep their events and positions.
    expect(await collect(store.readAll())).toEqual(others);
  });

  suite.test('soft delete is the default mode', async (f) => {
    const { store } = await twoStreams(f, 'softDelete');
    await store.deleteStream(STREAM);
    expect(await store.streamInfo(STREAM)).toMatchObject({ exists: false, deleted: 'soft' });
  });

  for (const expectedRevision of ['any', 'no_stream'] as const) {
    suite.test(`recreates a soft-deleted stream with ${expectedRevision}, continuing its revisions`, async (f) => {
      const { store, mine } = await twoStreams(f, 'softDelete');
      await store.deleteStream(STREAM);
      const event = anEvent('Reborn');
      const result = await store.append(STREAM, [event, anEvent('Reborn')], { expectedRevision });
      expect(result.streamRevision).toBe(4);
      expect(result.position).toBeGreaterThan(Math.max(...mine.map((e) => e.position)));
      const stored = await collect(store.readStream(STREAM));
      expect(stored.map((e) => [e.id, e.revision])).toEqual([[event.id, 3], [expect.any(String), 4]]);
      expect((await collect(store.readStream(STREAM, { direction: 'backwards' }))).map((e) => e.revision)).toEqual([4, 3]);
      expect(await store.streamInfo(STREAM)).toEqual({ stream: STREAM, exists: true, revision: 4, deleted: false, truncatedBefore: 3 });
      expect((await store.append(STREAM, [anEvent()], { expectedRevision: 4 })).streamRevision).toBe(5);
    });
  }

  suite.test('soft-deleting a recreated stream hides the new events too', async (f) => {
    const { store } = await twoStreams(f, 'softDelete');
    await store.deleteStream(STREAM);
    const reborn = anEvent();
    await store.append(STREAM, [reborn]);
    await store.deleteStream(STREAM, { expectedRevision: 3 });
    await expectNothingReadable(store, STREAM, [reborn.id]);
    expect(await store.streamInfo(STREAM)).toEqual({ stream: STREAM, exists: false, revision: 3, deleted: 'soft', truncatedBefore: 4 });
  });

  suite.test('soft-deleting a stream that was never written changes nothing', async (f) => {
    const store = await f.store();
    f.requires(store, 'softDelete');
    await store.append(OTHER, [anEvent()]);
    const before = await snapshot(store, [STREAM, OTHER]);
    await store.deleteStream(STREAM);
    await expectUnchanged(store, before);
    expect(await store.streamInfo(STREAM)).toEqual({ stream: STREAM, exists: false, revision: -1, deleted: false, truncatedBefore: 0 });
    expect((await store.append(STREAM, [anEvent()], { expectedRevision: 'no_stream' })).streamRevision).toBe(0);
  });

  suite.test('soft-deleting a soft-deleted stream changes nothing', async (f) => {
    const { store } = await twoStreams(f, 'softDelete');
    await store.deleteStream(STREAM);
    const before = await snapshot(store, [STREAM, OTHER]);
    await store.deleteStream(STREAM);
    await store.deleteStream(STREAM, { expectedRevision: 'no_stream' });
    await expectUnchanged(store, before);
  });

  // Deleted events are removed physically, their ids with them: the store no longer
  // knows them, so appending the same ids again writes new events.
  suite.test('forgets the ids of deleted events: appending them again writes new events', async (f) => {
    const { store, mine } = await twoStreams(f, 'softDelete');
    await store.deleteStream(STREAM);
    const again = mine.map(({ id, type, data }) => ({ id, type, data }));
    const result = await store.append(OTHER, again);
    expect(result).toMatchObject({ stream: OTHER, streamRevision: 4 });
    expect((await store.getEvent(mine[0]!.id))?.stream).toBe(OTHER);
    expect(result.position).toBeGreaterThan(mine[2]!.position);
  });

  suite.test('forgets generated ids of deleted events too: appending them again writes new events', async (f) => {
    const store = await f.store();
    f.requires(store, 'softDelete');
    await store.append(STREAM, [{ type: 'A' }, { type: 'B' }]);
    await store.append(OTHER, [{ type: 'C' }]);
    const mine = await collect(store.readStream(STREAM));
    await store.deleteStream(STREAM);
    for (const event of mine) expect(await store.getEvent(event.id)).toBeUndefined();
    const result = await store.append(OTHER, mine.map(({ id, type }) => ({ id, type })), { expectedRevision: 0 });
    expect(result).toMatchObject({ stream: OTHER, streamRevision: 2 });
    const found = await Promise.all(mine.map((e) => store.getEvent(e.id)));
    expect(found.map((e) => [e?.stream, e?.revision, e?.type])).toEqual([
      [OTHER, 1, 'A'],
      [OTHER, 2, 'B'],
    ]);
    expect(found[0]!.position).toBeGreaterThan(mine[1]!.position);
  });

  suite.test('never reuses the positions of deleted events', async (f) => {
    const { store, all } = await twoStreams(f, 'softDelete');
    await store.deleteStream(STREAM);
    await store.deleteStream(OTHER);
    const result = await store.append('order-3', [anEvent()]);
    expect(result.position).toBeGreaterThan(all[all.length - 1]!.position);
  });
}

function hardDeleteTests(suite: Suite): void {
  suite.test('hard delete tombstones the stream: nothing readable, info says hard', async (f) => {
    const { store, mine, others } = await twoStreams(f, 'hardDelete');
    await store.deleteStream(STREAM, { mode: 'hard' });
    await expectNothingReadable(store, STREAM, mine.map((e) => e.id));
    expect(await store.streamInfo(STREAM)).toMatchObject({ stream: STREAM, exists: false, deleted: 'hard' });
    expect(await collect(store.readAll())).toEqual(others);
  });

  suite.test('a tombstoned stream rejects every append, delete and truncate, and stays as it is', async (f) => {
    const { store } = await twoStreams(f, 'hardDelete');
    await store.deleteStream(STREAM, { mode: 'hard' });
    const before = await snapshot(store, [STREAM, OTHER]);
    const attempts: (() => Promise<unknown>)[] = [
      () => store.append(STREAM, [anEvent()]),
      () => store.append(STREAM, [anEvent()], { expectedRevision: 'no_stream' }),
      () => store.append(STREAM, [anEvent()], { expectedRevision: 'stream_exists' }),
      () => store.append(STREAM, [anEvent()], { expectedRevision: 2 }),
      () => store.deleteStream(STREAM),
      () => store.deleteStream(STREAM, { mode: 'hard' }),
      () => store.deleteStream(STREAM, { mode: 'hard', expectedRevision: 'any' }),
    ];
    if (store.capabilities.truncate) attempts.push(() => store.truncateStream(STREAM, { before: 0 }));
    if (store.capabilities.multiStreamAppend) {
      attempts.push(() => store.appendMany([{ stream: OTHER, events: [anEvent()] }, { stream: STREAM, events: [anEvent()] }]));
    }
    for (const attempt of attempts) await expectError(attempt, 'ANNALS_STREAM_DELETED', { stream: STREAM });
    await expectUnchanged(store, before);
  });

  suite.test('hard-deleting a stream that was never written tombstones it', async (f) => {
    const store = await f.store();
    f.requires(store, 'hardDelete');
    await store.deleteStream(STREAM, { mode: 'hard' });
    expect(await store.streamInfo(STREAM)).toMatchObject({ exists: false, deleted: 'hard' });
    await expectError(store.append(STREAM, [anEvent()], { expectedRevision: 'no_stream' }), 'ANNALS_STREAM_DELETED');
  });

  suite.test('hard-deleting a soft-deleted stream tombstones it', async (f) => {
    const { store } = await twoStreams(f, 'hardDelete');
    f.requires(store, 'softDelete');
    await store.deleteStream(STREAM);
    await store.deleteStream(STREAM, { mode: 'hard' });
    expect(await store.streamInfo(STREAM)).toMatchObject({ exists: false, deleted: 'hard' });
    await expectError(store.append(STREAM, [anEvent()]), 'ANNALS_STREAM_DELETED');
  });
}

type DeleteCase = [state: 'existing' | 'new' | 'soft-deleted', mode: 'soft' | 'hard', expected: ExpectedRevision, outcome: 'deletes' | number];

/** Deletes check the expected revision first, with the same rules as appends. */
const DELETE_CASES: DeleteCase[] = [
  ['existing', 'soft', 2, 'deletes'],
  ['existing', 'soft', 'stream_exists', 'deletes'],
  ['existing', 'soft', 'any', 'deletes'],
  ['existing', 'soft', 1, 2],
  ['existing', 'soft', 'no_stream', 2],
  ['existing', 'hard', 2, 'deletes'],
  ['existing', 'hard', 3, 2],
  ['existing', 'hard', 'no_stream', 2],
  ['new', 'soft', 'stream_exists', -1],
  ['new', 'soft', 0, -1],
  ['new', 'hard', 'no_stream', 'deletes'],
  ['new', 'hard', 'stream_exists', -1],
  ['soft-deleted', 'soft', 2, -1],
  ['soft-deleted', 'hard', 'no_stream', 'deletes'],
  ['soft-deleted', 'hard', 'stream_exists', -1],
  ['soft-deleted', 'hard', 2, -1],
];

function expectedRevisionOnDeleteTests(suite: Suite): void {
  for (const [state, mode, expected, outcome] of DELETE_CASES) {
    const shown = typeof expected === 'number' ? `exact revision ${expected}` : expected;
    const name = `${mode} delete with ${shown} on ${state === 'new' ? 'a new' : `an ${state}`} stream ${outcome === 'deletes' ? 'deletes it' : `conflicts with actual ${outcome}`}`;
    suite.test(name, async (f) => {
      const store = await f.store();
      f.requires(store, mode === 'soft' ? 'softDelete' : 'hardDelete');
      if (state !== 'new') await seed(store, STREAM, 3);
      if (state === 'soft-deleted') {
        f.requires(store, 'softDelete');
        await store.deleteStream(STREAM);
      }
      await store.append(OTHER, [anEvent()]);
      if (outcome === 'deletes') {
        await store.deleteStream(STREAM, { mode, expectedRevision: expected });
        expect(await store.streamInfo(STREAM)).toMatchObject({ exists: false, deleted: mode });
        expect(await collect(store.readStream(STREAM))).toEqual([]);
        return;
      }
      const before = await snapshot(store, [STREAM, OTHER]);
      await expectError(store.deleteStream(STREAM, { mode, expectedRevision: expected }), 'ANNALS_WRONG_EXPECTED_REVISION', {
        stream: STREAM,
        expected,
        actual: outcome,
      });
      await expectUnchanged(store, before);
    });
  }
}

export function deletionTests(suite: Suite): void {
  describe('deleteStream', () => {
    softDeleteTests(suite);
    hardDeleteTests(suite);
    expectedRevisionOnDeleteTests(suite);
  });
}
