import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspectWal } from './wal.js';

/**
 * Starts calls while another connection holds the write lock, so that a SQLite store queues
 * its appends behind it; then frees the lock, and the store commits them as one group.
 */
export async function behindTheLock<T>(file: string, start: () => readonly Promise<T>[], holdMs = 5): Promise<PromiseSettledResult<T>[]> {
  const holder = new Database(file);
  let settled: Promise<PromiseSettledResult<T>[]>;
  try {
    holder.prepare('BEGIN IMMEDIATE').run();
    settled = Promise.allSettled(start());
    await sleep(holdMs);
    holder.prepare('ROLLBACK').run();
  } finally {
    holder.close();
  }
  return settled;
}

/** Transactions committed to the file's write-ahead log so far (it must not have been checkpointed and restarted). */
export function walCommits(file: string): number {
  return inspectWal(`${file}-wal`).commits;
}

/**
 * Holds a read transaction on the file until `release` is called: SQLite can then neither
 * checkpoint the frames after it nor start the log over, so walCommits counts every commit.
 */
export function holdWal(file: string): { release(): void } {
  const reader = new Database(file, { readonly: true });
  reader.prepare('BEGIN').run();
  reader.prepare('SELECT count(*) FROM sqlite_master').get();
  return {
    release: () => {
      reader.prepare('ROLLBACK').run();
      reader.close();
    },
  };
}
