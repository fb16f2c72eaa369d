import { defineProjection, streamProjection, type AppendRequest, type EventStore, type Projection } from '../../src/index.js';
import { makeEvents } from '../lib/workload.js';

/** Streams the log's events go to: `account-0` … `account-99`, so a counting projection keeps at most 100 documents. */
export const STREAMS = 100;
/** Events per stream in one append of the log's writer: a page of 500 events then touches 50 streams. */
const EVENTS_PER_APPEND = 10;
/** Streams per appendMany call of the log's writer (500 events per transaction). */
const APPENDS_PER_CALL = 50;

/** A counting document: how many events its stream has, and the sum of their amounts. */
export interface Count {
  readonly events: number;
  readonly total: number;
}

/** The counting projection: one document per `account-*` stream (≤ 100), folding a count and a sum. */
export function countingProjection(name: string): Projection {
  return streamProjection<Count>({
    name,
    version: 1,
    handles: { category: 'account' },
    collection: 'counts',
    initialState: () => ({ events: 0, total: 0 }),
    evolve: (state, event) => ({ events: state.events + 1, total: state.total + amountOf(event) }),
  });
}

/** One document per event: each event creates its own entry (id = the event's id), read nothing first. */
export function entriesProjection(name: string): Projection {
  return defineProjection({
    name,
    version: 1,
    handles: { category: 'account' },
    collections: { entries: {} },
    apply: (event, session) => session.upsert('entries', event.id, entryOf(event)),
  });
}

/** The entry a document-per-event projection writes for an event (both sides write the same). */
export function entryOf(event: { readonly stream: string; readonly position: number; readonly data: unknown }): { stream: string; position: number; amount: number } {
  return { stream: event.stream, position: event.position, amount: amountOf(event) };
}

/** The amount of a benchmark event (`MoneyDeposited`). */
export function amountOf(event: { readonly data?: unknown }): number {
  return (event.data as { amount: number }).amount;
}

/**
 * Appends `count` events through Annals in bulk: appendMany calls of 50 streams × 10 events
 * (500 events per transaction), round-robin over the 100 `account-*` streams.
 */
export async function writeLog(store: EventStore, count: number, onProgress?: (written: number) => void, seed = 0): Promise<void> {
  let written = 0;
  let call = seed;
  while (written < count) {
    const requests: AppendRequest[] = [];
    for (let i = 0; i < APPENDS_PER_CALL && written < count; i++) {
      const size = Math.min(EVENTS_PER_APPEND, count - written);
      const n = call * APPENDS_PER_CALL + i;
      requests.push({ stream: `account-${n % STREAMS}`, events: makeEvents(size, n) });
      written += size;
    }
    await store.appendMany(requests);
    call++;
    if (call % 20 === 0) onProgress?.(written);
  }
  onProgress?.(written);
}
