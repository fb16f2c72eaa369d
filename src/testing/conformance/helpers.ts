import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { AnnalsError } from '../../core/errors.js';
import type { AppendResult, EventInput, JsonValue, RecordedEvent, StreamInfo } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';

/** An error the suite caught, with its facts readable by name. */
export type CaughtError = AnnalsError & Record<string, any>;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** More than any test stores: a read that yields this many is going round in circles. */
const RUNAWAY = 10_000;

/** Reads everything; fails (rather than hangs) on a read that never ends. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
    if (items.length > RUNAWAY) expect.fail(`the read yielded more than ${RUNAWAY} events: it does not end`);
  }
  return items;
}

/** One event with a known id, so tests can look it up and retry it. */
export function anEvent(type = 'Happened', data: JsonValue = { n: 0 }): EventInput & { id: string } {
  return { id: randomUUID(), type, data };
}

/** `count` events with known ids and data `{ n: 0 }`, `{ n: 1 }`, … */
export function someEvents(count: number, type = 'Happened'): (EventInput & { id: string })[] {
  return Array.from({ length: count }, (_, n) => anEvent(type, { n }));
}

/** Appends `count` events to `stream` one call at a time; returns them as read back. */
export async function seed(store: EventStore, stream: string, count: number, type = 'Happened'): Promise<RecordedEvent[]> {
  for (const event of someEvents(count, type)) await store.append(stream, [event]);
  return collect(store.readStream(stream));
}

/** Awaits `action` and checks that it failed with a typed Annals error of `code` (and the given facts). */
export async function expectError(action: Promise<unknown> | (() => Promise<unknown>), code: string, facts?: Record<string, unknown>): Promise<CaughtError> {
  let result: unknown;
  try {
    result = await (typeof action === 'function' ? action() : action);
  } catch (error) {
    return checkError(error, code, facts);
  }
  return expect.fail(`expected ${code}, but the call succeeded with ${describe(result)}`);
}

/** Checks that `action` throws a typed Annals error of `code` synchronously, when called (not when iterated). */
export function expectSyncError(action: () => unknown, code: string, facts?: Record<string, unknown>): CaughtError {
  let result: unknown;
  try {
    result = action();
  } catch (error) {
    return checkError(error, code, facts);
  }
  return expect.fail(`expected ${code} to be thrown when called, but it returned ${describe(result)}`);
}

function checkError(error: unknown, code: string, facts?: Record<string, unknown>): CaughtError {
  if (!(error instanceof AnnalsError)) expect.fail(`expected ${code}, got ${error instanceof Error ? error.stack : String(error)}`);
  expect(error.code).toBe(code);
  if (facts) expect(error).toMatchObject(facts);
  return error as CaughtError;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** What a test can see of a store: the whole log, and each named stream's events and info. */
export interface StoreSnapshot {
  readonly all: RecordedEvent[];
  readonly streams: Record<string, { readonly info: StreamInfo; readonly events: RecordedEvent[] }>;
}

export async function snapshot(store: EventStore, streams: readonly string[]): Promise<StoreSnapshot> {
  const result: Record<string, { info: StreamInfo; events: RecordedEvent[] }> = {};
  for (const stream of streams) result[stream] = { info: await store.streamInfo(stream), events: await collect(store.readStream(stream)) };
  return { all: await collect(store.readAll()), streams: result };
}

/** Checks that nothing a reader can see has changed since `before` was taken. */
export async function expectUnchanged(store: EventStore, before: StoreSnapshot): Promise<void> {
  expect(await snapshot(store, Object.keys(before.streams))).toEqual(before);
}

/**
 * A store with streams in every state: live, truncated, soft-deleted and hard-deleted
 * (each only when the store declares the capability). Returns the names worth watching,
 * including one never written.
 */
export async function populate(store: EventStore): Promise<string[]> {
  await store.append('order-1', someEvents(3, 'OrderPlaced'));
  await store.append('user-1', [{ type: 'UserJoined', data: { name: 'Ada' }, metadata: { correlationId: 'c-1' } }]);
  await store.append('user-1', [anEvent('UserRenamed')]);
  const streams = ['order-1', 'user-1', 'fresh-1'];
  if (store.capabilities.truncate) {
    await store.append('trimmed-1', someEvents(3));
    await store.truncateStream('trimmed-1', { before: 1 });
    streams.push('trimmed-1');
  }
  if (store.capabilities.softDelete) {
    await store.append('gone-1', someEvents(2));
    await store.deleteStream('gone-1');
    streams.push('gone-1');
  }
  if (store.capabilities.hardDelete) {
    await store.append('tomb-1', someEvents(2));
    await store.deleteStream('tomb-1', { mode: 'hard' });
    streams.push('tomb-1');
  }
  return streams;
}

/** The parts of an append result a test compares. */
export function resultOf(event: Pick<RecordedEvent, 'stream' | 'revision' | 'position'>): AppendResult {
  return { stream: event.stream, streamRevision: event.revision, position: event.position };
}

/** Lets other tasks (appenders, subscribers, timers) run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Deliberately wrong input, past the type checker: the store must reject it at run time. */
export function unchecked<T>(value: unknown): T {
  return value as T;
}
