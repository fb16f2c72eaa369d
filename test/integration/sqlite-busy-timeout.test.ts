import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, StoreUnavailableError } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { withRawDatabase } from '../helpers/raw-sqlite.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, startTogether, Worker, type AppenderReport } from '../helpers/worker.js';

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

describe('SQLite: two processes writing one file', () => {
  it('lets two processes append at full speed to different streams without an error', async () => {
    const url = `sqlite:${dir.file('busy.db')}`;
    const count = 1500; // enough for the two to overlap even when one process starts late on a busy machine
    await (await openStore(url)).close();
    const streams = ['left-1', 'right-1'];
    const workers = streams.map((stream) => new Worker('appender.mjs', { url, stream, count, startGate: true }));
    await startTogether(workers);
    const reports = await Promise.all(workers.map((w) => w.report<AppenderReport>()));

    // Each lock wait ended within busy_timeout: no SQLITE_BUSY, no error at all.
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    const store = await openStore(url);
    for (const [i, stream] of streams.entries()) {
      const events = await collect(store.readStream(stream));
      expect(events.map((e) => [e.revision, e.position, e.id])).toEqual(reports[i]!.results.map((r) => [r.revision, r.position, r.id]));
      expect(events.map((e) => e.revision)).toEqual(range(count));
    }
    const all = await collect(store.readAll());
    const positions = all.map((e) => e.position);
    // The two did write at the same time: their commits interleave in the log (one after
    // the other would switch streams once).
    const switches = all.filter((e, i) => i > 0 && e.stream !== all[i - 1]!.stream).length;
    expect(switches).toBeGreaterThan(1);
    expect(positions).toHaveLength(2 * count);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    await store.close();
  });

  it('waits for a lock without blocking the process, and appends once it is released', async () => {
    const file = dir.file('waits.db');
    const store = await openStore(`sqlite:${file}`);
    await store.append('waiting-1', [{ type: 'Before' }]);
    const holder = new Database(file);
    holder.prepare('BEGIN IMMEDIATE').run();
    const pending = store.append('waiting-1', [{ type: 'Waited' }], { expectedRevision: 0 });
    // The wait is asynchronous: this process goes on running (here: releasing the lock).
    await new Promise((resolve) => setTimeout(resolve, 20));
    holder.prepare('COMMIT').run();
    holder.close();
    expect(await pending).toMatchObject({ stream: 'waiting-1', streamRevision: 1 });
    expect((await collect(store.readStream('waiting-1'))).map((e) => e.type)).toEqual(['Before', 'Waited']);
    await store.close();
  });

  it('turns a lock held past busyTimeoutMs into a retryable ANNALS_STORE_UNAVAILABLE, writing nothing', async () => {
    const file = dir.file('locked.db');
    const store = await openStore(`sqlite:${file}?busyTimeoutMs=50`);
    await store.append('held-1', [{ type: 'Before' }]);
    const holder = new Database(file);
    try {
      holder.prepare('BEGIN IMMEDIATE').run();
      const error = await store.append('held-1', [{ type: 'Blocked' }]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
      holder.prepare('ROLLBACK').run();
    } finally {
      holder.close();
    }
    // Released: the same append goes through, and the refused one left nothing behind.
    await store.append('held-1', [{ type: 'After' }], { expectedRevision: 0 });
    expect((await collect(store.readStream('held-1'))).map((e) => e.type)).toEqual(['Before', 'After']);
    await store.close();
    expect(withRawDatabase(file, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
  });
});
