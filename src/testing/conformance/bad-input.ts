import { describe, expect } from 'vitest';
import { openStore } from '../../core/open-store.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect, expectError, expectSyncError, expectUnchanged, populate, snapshot, unchecked } from './helpers.js';
import type { Suite } from './suite.js';

interface BadCase {
  /** What is wrong, as it reads in the test name after "rejects". */
  readonly what: string;
  readonly code: string;
  readonly call: (store: EventStore) => unknown;
  /** Reads and subscriptions validate when called, before anything is iterated. */
  readonly sync?: boolean;
  readonly facts?: Record<string, unknown>;
}

const S = 'order-1';
const ok = () => [anEvent()];
const any = unchecked<never>;

const cycle: Record<string, unknown> = { name: 'loop' };
cycle.self = cycle;
class Money {
  constructor(readonly cents: number) {}
}

function streamNameCases(): BadCase[] {
  const names: [string, unknown][] = [
    ['an empty stream name', ''],
    ['a stream name of 201 characters', 'a'.repeat(201)],
    ['a stream name of 201 code points', '😀'.repeat(201)],
    ['a stream name with a NUL character', 'order\u0000-1'],
    ['a stream name with a newline', 'order-\n1'],
    ['a stream name with a tab', 'order-\t1'],
    ['a stream name with DEL', 'order-1\u007f'],
    ['a stream name with a C1 control character', 'order-\u00851'],
    ['a stream name of spaces alone', '   '],
    ['a stream name with a leading space', ' order-1'],
    ['a stream name with a trailing space', 'order-1 '],
    ['a stream name starting with "-" (an empty category)', '-order-1'],
    ['a stream name that is a number', 42],
    ['a stream name that is null', null],
    ['a missing stream name', undefined],
  ];
  const cases: BadCase[] = names.map(([what, name]) => ({ what: `${what} on append`, code: 'ANNALS_INVALID_STREAM_NAME', call: (s) => s.append(any(name), ok()) }));
  const name = 'x'.repeat(201);
  cases.push(
    { what: 'an invalid stream name on appendMany', code: 'ANNALS_INVALID_STREAM_NAME', call: (s) => s.appendMany([{ stream: 'order-2', events: ok() }, { stream: '', events: ok() }]) },
    { what: 'an invalid stream name on readStream', code: 'ANNALS_INVALID_STREAM_NAME', sync: true, call: (s) => s.readStream(name) },
    { what: 'an invalid stream name on streamInfo', code: 'ANNALS_INVALID_STREAM_NAME', call: (s) => s.streamInfo('') },
    { what: 'an invalid stream name on deleteStream', code: 'ANNALS_INVALID_STREAM_NAME', call: (s) => s.deleteStream('a\nb') },
    { what: 'an invalid stream name on truncateStream', code: 'ANNALS_INVALID_STREAM_NAME', call: (s) => s.truncateStream(name, { before: 0 }) },
  );
  return cases;
}

function eventCases(): BadCase[] {
  const events: [what: string, event: unknown, field: string][] = [
    ['an event that is null', null, '(event)'],
    ['an event that is a string', 'OrderPlaced', '(event)'],
    ['an event that is an array', [{ type: 'A' }], '(event)'],
    ['an event without a type', { data: {} }, 'type'],
    ['an event with an empty type', { type: '' }, 'type'],
    ['an event whose type is not a string', { type: 7 }, 'type'],
    ['an event type of 201 characters', { type: 'T'.repeat(201) }, 'type'],
    ['an event type with a control character', { type: 'Order\nPlaced' }, 'type'],
    ['an event with an unknown field', { type: 'A', payload: {} }, 'payload'],
    ['an event id that is not a UUID', { type: 'A', id: 'order-1-event-1' }, 'id'],
    ['an event id that is a number', { type: 'A', id: 42 }, 'id'],
    ['data that is a function', { type: 'A', data: () => 1 }, 'data'],
    ['data that is a BigInt', { type: 'A', data: 10n }, 'data'],
    ['data with a BigInt inside', { type: 'A', data: { amount: 10n } }, 'data.amount'],
    ['data with a cycle', { type: 'A', data: cycle }, 'data.self'],
    ['data that is undefined', { type: 'A', data: undefined }, 'data'],
    ['data that is NaN', { type: 'A', data: NaN }, 'data'],
    ['data with Infinity inside', { type: 'A', data: { rate: Infinity } }, 'data.rate'],
    ['data with -Infinity in an array', { type: 'A', data: [1, -Infinity] }, 'data[1]'],
    ['data with undefined in an array', { type: 'A', data: [1, undefined] }, 'data[1]'],
    ['data with a Date', { type: 'A', data: { at: new Date(0) } }, 'data.at'],
    ['data that is a Map', { type: 'A', data: new Map([['a', 1]]) }, 'data'],
    ['data with a class instance', { type: 'A', data: { price: new Money(5) } }, 'data.price'],
    ['data with a symbol', { type: 'A', data: { tag: Symbol('t') } }, 'data.tag'],
    ['data with a function deep inside', { type: 'A', data: { a: [1, { b: () => 1 }] } }, 'data.a[1].b'],
    ['metadata that is an array', { type: 'A', metadata: ['c-1'] }, 'metadata'],
    ['metadata that is null', { type: 'A', metadata: null }, 'metadata'],
    ['metadata that is a string', { type: 'A', metadata: 'c-1' }, 'metadata'],
    ['metadata with a Date inside', { type: 'A', metadata: { at: new Date(0) } }, 'metadata.at'],
    ['a correlationId that is not a string', { type: 'A', metadata: { correlationId: 42 } }, 'metadata.correlationId'],
    ['a causationId that is not a string', { type: 'A', metadata: { causationId: { id: 'x' } } }, 'metadata.causationId'],
  ];
  // The bad event comes third, after two good ones: the error names its index, and nothing is written.
  return events.map(([what, event, field]) => ({
    what,
    code: 'ANNALS_INVALID_EVENT',
    facts: { index: 2, field },
    call: (s) => s.append(S, any([anEvent(), anEvent(), event])),
  }));
}

function argumentCases(): BadCase[] {
  const revisions: [string, unknown][] = [
    ['a negative', -1],
    ['a fractional', 1.5],
    ['a NaN', NaN],
    ['an infinite', Infinity],
    ['a numeric-string', '3'],
    ['an unknown named', 'latest'],
    ['a null', null],
  ];
  const cases: BadCase[] = revisions.map(([what, expectedRevision]) => ({
    what: `${what} expected revision on append`,
    code: 'ANNALS_INVALID_ARGUMENT',
    facts: { argument: 'expectedRevision' },
    call: (s) => s.append(S, ok(), { expectedRevision: any(expectedRevision) }),
  }));
  const I = 'ANNALS_INVALID_ARGUMENT';
  cases.push(
    { what: 'a negative expected revision on appendMany', code: I, call: (s) => s.appendMany([{ stream: S, events: ok(), expectedRevision: -1 }]) },
    { what: 'a fractional expected revision on deleteStream', code: I, call: (s) => s.deleteStream(S, { expectedRevision: 0.5 }) },
    { what: 'a NaN expected revision on deleteStream', code: I, call: (s) => s.deleteStream(S, { mode: 'hard', expectedRevision: NaN }) },
    { what: 'events that are not an array', code: I, call: (s) => s.append(S, any({ type: 'A' })) },
    { what: 'missing events', code: I, call: (s) => s.append(S, any(undefined)) },
    { what: 'an empty events array', code: I, call: (s) => s.append(S, []) },
    { what: 'an empty events array in appendMany', code: I, call: (s) => s.appendMany([{ stream: S, events: [] }]) },
    { what: 'an empty appendMany', code: I, call: (s) => s.appendMany([]) },
    { what: 'an appendMany that is not an array', code: I, call: (s) => s.appendMany(any({ stream: S, events: ok() })) },
    { what: 'an appendMany request that is null', code: I, call: (s) => s.appendMany(any([{ stream: 'order-2', events: ok() }, null])) },
    {
      what: 'an appendMany naming one stream twice',
      code: I,
      call: (s) => s.appendMany([{ stream: 'order-2', events: ok() }, { stream: S, events: ok() }, { stream: 'order-2', events: ok() }]),
    },
    { what: 'a negative maxCount on readStream', code: I, sync: true, call: (s) => s.readStream(S, { maxCount: -1 }) },
    { what: 'a fractional maxCount on readStream', code: I, sync: true, call: (s) => s.readStream(S, { maxCount: 2.5 }) },
    { what: 'a NaN maxCount on readStream', code: I, sync: true, call: (s) => s.readStream(S, { maxCount: NaN }) },
    { what: 'a page size of 0 on readStream', code: I, sync: true, call: (s) => s.readStream(S, { pageSize: 0 }) },
    { what: 'a negative fromRevision', code: I, sync: true, call: (s) => s.readStream(S, { fromRevision: -1 }) },
    { what: 'a fractional fromRevision', code: I, sync: true, call: (s) => s.readStream(S, { fromRevision: 1.5 }) },
    { what: 'an unknown named fromRevision', code: I, sync: true, call: (s) => s.readStream(S, { fromRevision: any('middle') }) },
    { what: 'an unknown direction', code: I, sync: true, call: (s) => s.readStream(S, { direction: any('sideways') }) },
    { what: 'a negative after on readAll', code: I, sync: true, call: (s) => s.readAll({ after: -1 }) },
    { what: 'a NaN after on readAll', code: I, sync: true, call: (s) => s.readAll({ after: NaN }) },
    { what: 'a negative maxCount on readAll', code: I, sync: true, call: (s) => s.readAll({ maxCount: -1 }) },
    { what: 'a page size of 0 on readAll', code: I, sync: true, call: (s) => s.readAll({ pageSize: 0 }) },
    { what: 'a category with a dash on readAll', code: I, sync: true, call: (s) => s.readAll({ category: 'order-1' }) },
    { what: 'an empty category on readAll', code: I, sync: true, call: (s) => s.readAll({ category: '' }) },
    { what: 'a category that is not a string', code: I, sync: true, call: (s) => s.readAll({ category: any(7) }) },
    { what: 'types that are not an array', code: I, sync: true, call: (s) => s.readAll({ types: any('OrderPlaced') }) },
    { what: 'types with an empty name', code: I, sync: true, call: (s) => s.readAll({ types: ['A', ''] }) },
    { what: 'types with a non-string', code: I, sync: true, call: (s) => s.readAll({ types: any([42]) }) },
    { what: 'a negative after on subscribe', code: I, sync: true, call: (s) => s.subscribe({ after: -1 }) },
    { what: 'a category with a dash on subscribe', code: I, sync: true, call: (s) => s.subscribe({ category: 'order-1' }) },
    { what: 'bad types on subscribe', code: I, sync: true, call: (s) => s.subscribe({ types: any([null]) }) },
    { what: 'a page size of 0 on subscribe', code: I, sync: true, call: (s) => s.subscribe({ pageSize: 0 }) },
    { what: 'an unknown delete mode', code: I, call: (s) => s.deleteStream(S, { mode: any('purge') }) },
    { what: 'a truncate without before', code: I, call: (s) => s.truncateStream(S, any({})) },
    { what: 'a truncate without options', code: I, call: (s) => s.truncateStream(S, any(undefined)) },
    { what: 'a negative truncate point', code: I, call: (s) => s.truncateStream(S, { before: -1 }) },
    { what: 'a fractional truncate point', code: I, call: (s) => s.truncateStream(S, { before: 1.5 }) },
    { what: 'an empty event id on getEvent', code: I, call: (s) => s.getEvent('') },
    { what: 'an event id that is not a string on getEvent', code: I, call: (s) => s.getEvent(any(42)) },
    { what: 'null append options', code: I, call: (s) => s.append(S, ok(), any(null)) },
    { what: 'append options that are not an object', code: I, call: (s) => s.append(S, ok(), any(3)) },
    { what: 'null readStream options', code: I, sync: true, call: (s) => s.readStream(S, any(null)) },
    { what: 'null readAll options', code: I, sync: true, call: (s) => s.readAll(any(null)) },
    { what: 'null subscribe options', code: I, sync: true, call: (s) => s.subscribe(any(null)) },
    { what: 'a subscribe signal that is not an AbortSignal', code: I, sync: true, call: (s) => s.subscribe({ signal: any({ aborted: false }) }) },
    { what: 'null deleteStream options', code: I, call: (s) => s.deleteStream(S, any(null)) },
    { what: 'null truncateStream options', code: I, call: (s) => s.truncateStream(S, any(null)) },
  );
  return cases;
}

/** Input checks come before any state check: a bad call on a tombstone or with a stale revision is still bad input. */
function precedenceCases(): BadCase[] {
  return [
    { what: 'an invalid event before a conflicting expected revision', code: 'ANNALS_INVALID_EVENT', call: (s) => s.append(S, any([{ type: '' }]), { expectedRevision: 99 }) },
    { what: 'an invalid event before a hard-deleted stream', code: 'ANNALS_INVALID_EVENT', call: (s) => s.append(tombstone(s), any([{ type: 'A', data: NaN }])) },
    { what: 'an invalid expected revision before a hard-deleted stream', code: 'ANNALS_INVALID_ARGUMENT', call: (s) => s.append(tombstone(s), ok(), { expectedRevision: -2 }) },
    { what: 'a repeated id before an id recorded elsewhere', code: 'ANNALS_DUPLICATE_EVENT_ID', facts: { existing: undefined }, call: twiceInOneCall },
  ];
}

/** The hard-deleted stream of `populate`, or a live one when the store has no hard delete. */
function tombstone(store: EventStore): string {
  return store.capabilities.hardDelete ? 'tomb-1' : S;
}

async function twiceInOneCall(store: EventStore) {
  const [recorded] = await collect(store.readAll({ maxCount: 1 }));
  const twin = anEvent();
  return store.append('order-3', [{ type: 'A', id: recorded!.id }, twin, { ...twin }]);
}

export function badInputTests(suite: Suite): void {
  describe('bad input', () => {
    for (const { what, code, call, sync, facts } of [...streamNameCases(), ...eventCases(), ...argumentCases(), ...precedenceCases()]) {
      suite.test(`rejects ${what} with ${code}, changing nothing`, async (f) => {
        const store = await f.store();
        const streams = await populate(store);
        const before = await snapshot(store, [...streams, 'order-3']);
        if (sync) expectSyncError(() => call(store), code, facts);
        else await expectError(async () => call(store), code, facts);
        await expectUnchanged(store, before);
      });
    }

    suite.test('accepts a stream name of exactly 200 code points', async (f) => {
      const store = await f.store();
      for (const name of ['a'.repeat(200), '😀'.repeat(200), `é-${'ü'.repeat(198)}`]) {
        await store.append(name, [anEvent()]);
        expect(await store.streamInfo(name)).toMatchObject({ stream: name, exists: true, revision: 0 });
        const [event] = await collect(store.readStream(name));
        expect(event?.stream).toBe(name);
      }
    });

    suite.test('rejects an unknown store URL scheme with ANNALS_UNSUPPORTED_STORE_URL, changing nothing', async (f) => {
      const store = await f.store();
      const before = await snapshot(store, await populate(store));
      for (const url of ['nosuchdb://localhost/annals', 'annals.db', '']) await expectError(openStore(url), 'ANNALS_UNSUPPORTED_STORE_URL', { url });
      await expectUnchanged(store, before);
    });
  });
}
