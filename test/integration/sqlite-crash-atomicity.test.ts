import { statSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { withRawDatabase } from '../helpers/raw-sqlite.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { inspectWal } from '../helpers/wal.js';
import { killRunningWorkers, Worker } from '../helpers/worker.js';

const PER_STREAM = 5000;
/** ~3 KB per event: 30 MB in all, more than SQLite's page cache, so it spills before commit. */
const NOTE_BYTES = 3000;
/** Kill once this much of the in-flight transaction is in the WAL. */
const KILL_AT_WAL_BYTES = 512 * 1024;

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

function walSize(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

/** Events per stream, counted on a plain connection, and whether the file passes integrity_check. */
function inspect(file: string, streams: readonly string[]): { counts: number[]; integrity: unknown } {
  return withRawDatabase(file, (db) => ({
    counts: streams.map((s) => db.prepare(`SELECT count(*) FROM annals_events WHERE stream = ?`).pluck().get(s) as number),
    integrity: db.pragma('integrity_check', { simple: true }),
  }));
}

describe('SQLite: a process killed while appending', () => {
  it('leaves all or none of an appendMany, and an intact file, when killed mid-transaction', async () => {
    const file = dir.file('killed.db');
    const url = `sqlite:${file}`;
    await (await openStore(url)).close(); // migrated; the WAL is gone once the last connection closes
    let killedMidTransaction = 0;
    // A kill can land before the transaction starts or after it commits; a few attempts make
    // sure one lands inside it (the WAL then ends with uncommitted frames).
    for (let attempt = 0; attempt < 3 && killedMidTransaction === 0; attempt++) {
      const streams = [`crash${attempt}-a`, `crash${attempt}-b`];
      const worker = new Worker('crash-appender.mjs', { url, streams, perStream: PER_STREAM, noteBytes: NOTE_BYTES });
      let finished = false;
      void worker.waitForLine('committed').then(
        () => (finished = true),
        () => (finished = true),
      );
      await worker.waitForLine('begin');
      const walAtStart = walSize(file);
      while (!finished && walSize(file) < walAtStart + KILL_AT_WAL_BYTES) await nextTurn();
      worker.kill('SIGKILL');
      const exit = await worker.exited;
      expect(exit.signal, exit.stderr).toBe('SIGKILL');

      // Read the log as the crash left it, before any connection recovers it.
      const { uncommittedFrames } = inspectWal(`${file}-wal`);
      const store = await openStore(url);
      const infos = await Promise.all(streams.map((s) => store.streamInfo(s)));
      await store.close();
      const { counts, integrity } = inspect(file, streams);

      expect(integrity).toBe('ok');
      if (uncommittedFrames > 0) {
        killedMidTransaction++;
        expect(counts).toEqual([0, 0]);
        expect(infos.map((i) => i.exists)).toEqual([false, false]);
      } else {
        expect([
          [0, 0],
          [PER_STREAM, PER_STREAM],
        ]).toContainEqual(counts);
      }
    }
    expect(killedMidTransaction).toBe(1);
  });

  it('keeps an acknowledged appendMany when the process is killed right after it returns', async () => {
    const file = dir.file('acknowledged.db');
    const url = `sqlite:${file}`;
    const streams = ['kept-a', 'kept-b'];
    const worker = new Worker('crash-appender.mjs', { url, streams, perStream: 1000, noteBytes: 100 });
    await worker.waitForLine('committed');
    worker.kill('SIGKILL');
    await worker.exited;

    const store = await openStore(url);
    const infos = await Promise.all(streams.map((s) => store.streamInfo(s)));
    await store.close();
    expect(infos.map((i) => [i.exists, i.revision])).toEqual([
      [true, 999],
      [true, 999],
    ]);
    expect(inspect(file, streams)).toEqual({ counts: [1000, 1000], integrity: 'ok' });
  });
});
