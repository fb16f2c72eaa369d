import { copyFileSync, existsSync } from 'node:fs';
import { handleCommand, openStore, type EventStore } from '../../src/index.js';
import { BENCH_METADATA, makeEvents } from '../lib/workload.js';
import { depositCommand, snapshottedLedger } from './ledger.js';

/** Events per append while a fixture is written. */
const FIXTURE_BATCH = 1000;

/** Events after the snapshot in the streams of `snapshot-load`: half of `every`, the average a stream sits at. */
export const EVENTS_AFTER_SNAPSHOT = snapshottedLedger.snapshot.every / 2;

/** Opens `path` with `synchronous = NORMAL` (fixtures are rewritten every run), runs `fill`, closes it. */
export async function writeFixture(path: string, fill: (store: EventStore) => Promise<void>): Promise<void> {
  const store = await openStore(`sqlite:${path}`, { synchronous: 'normal' });
  try {
    await fill(store);
  } finally {
    await store.close();
  }
}

/** Appends `events` events to `stream`, FIXTURE_BATCH per append; `onProgress` gets the count written. */
export async function appendEvents(store: EventStore, stream: string, events: number, onProgress: (written: number) => void): Promise<void> {
  for (let written = 0, batch = 0; written < events; batch++) {
    const size = Math.min(FIXTURE_BATCH, events - written);
    await store.append(stream, makeEvents(size, batch));
    written += size;
    onProgress(written);
  }
}

/**
 * A stream of `events` events whose snapshot sits EVENTS_AFTER_SNAPSHOT events behind its head,
 * saved by handleCommand itself: all but the last EVENTS_AFTER_SNAPSHOT + 1 events are appended
 * in batches (a stream from before the decider took snapshots), then one command per remaining
 * event; the first folds the whole stream and saves the snapshot.
 */
export async function snapshottedStream(store: EventStore, stream: string, events: number, onProgress: (written: number) => void): Promise<void> {
  const commands = EVENTS_AFTER_SNAPSHOT + 1;
  await appendEvents(store, stream, events - commands, onProgress);
  for (let n = 0; n < commands; n++) {
    await handleCommand(store, snapshottedLedger, stream, depositCommand(n), { metadata: BENCH_METADATA });
  }
  const snapshot = await store.loadSnapshot(stream);
  if (snapshot?.revision !== events - commands) throw new Error(`${stream}: snapshot at ${snapshot?.revision}, expected ${events - commands}`);
  onProgress(events);
}

/** Copies a closed SQLite file, and its WAL when one was left behind, so that each side starts from the same file. */
export function copyDatabase(from: string, to: string): void {
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
}
