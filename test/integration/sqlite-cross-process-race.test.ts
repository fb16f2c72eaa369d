import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, startTogether, Worker } from '../helpers/worker.js';

interface Win {
  readonly revision: number;
  readonly position: number;
  readonly id: string;
}

interface RaceReport {
  readonly worker: number;
  readonly wins: readonly Win[];
  readonly conflicts: number;
  readonly errors: readonly unknown[];
}

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

describe('SQLite: processes racing on one stream with exact expected revisions', () => {
  it('gives every revision to exactly one process, and the others only the typed conflict', async () => {
    const url = `sqlite:${dir.file('race.db')}`;
    const stream = 'race-1';
    const target = 200;
    // Migrated up front, so that the processes race on appends alone.
    await (await openStore(url)).close();

    const workers = range(5).map((worker) => new Worker('race-appender.mjs', { url, stream, target, worker }));
    await startTogether(workers);
    const reports = await Promise.all(workers.map((w) => w.report<RaceReport>()));

    // No SQLITE_BUSY, no other error: a lost race is only ever ANNALS_WRONG_EXPECTED_REVISION.
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    const wins = reports.flatMap((r) => r.wins.map((win) => ({ ...win, worker: r.worker })));
    wins.sort((a, b) => a.revision - b.revision);
    expect(wins.map((w) => w.revision)).toEqual(range(target));

    const store = await openStore(url);
    const events = await collect(store.readStream(stream));
    await store.close();
    expect(events.map((e) => ({ revision: e.revision, position: e.position, id: e.id, worker: (e.data as { worker: number }).worker }))).toEqual(
      wins,
    );
    // The processes did overlap: some appends lost a race.
    const tally = reports.map((r) => `worker ${r.worker}: ${r.wins.length} won, ${r.conflicts} lost`).join('; ');
    expect(reports.reduce((sum, r) => sum + r.conflicts, 0), tally).toBeGreaterThan(0);
  });
});
