import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { AnnalsError, type AppendResult, type EventStore } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

const APPENDERS = 8;
const REVISIONS = 160;
const STREAM = 'race-1';

interface Report {
  readonly wins: { readonly id: string; readonly result: AppendResult }[];
  conflicts: number;
  readonly errors: unknown[];
}

/** Reads the revision, appends at exactly it, and on a conflict reads again, until the stream is full. */
async function appender(store: EventStore, name: number, start: Promise<void>): Promise<Report> {
  const report: Report = { wins: [], conflicts: 0, errors: [] };
  await start;
  for (;;) {
    const { revision } = await store.streamInfo(STREAM);
    if (revision >= REVISIONS - 1) return report;
    const id = randomUUID();
    try {
      const result = await store.append(STREAM, [{ id, type: 'Won', data: { name, read: revision } }], { expectedRevision: revision });
      report.wins.push({ id, result });
    } catch (error) {
      if (error instanceof AnnalsError && error.code === 'ANNALS_WRONG_EXPECTED_REVISION') report.conflicts++;
      else report.errors.push(error);
    }
  }
}

describeWithService(service, 'Redis: appenders racing on one stream', () => {
  const redis = useRedis(service.url);

  it('gives each revision to exactly one of 8 appenders on separate connections, the others only the typed conflict', async () => {
    const first = await redis.open();
    await first.append(STREAM, [{ type: 'Seeded' }], { expectedRevision: 'no_stream' });
    const stores = [first, ...(await Promise.all(range(APPENDERS - 1).map(() => redis.reopen(first))))];
    let go!: () => void;
    const start = new Promise<void>((resolve) => (go = resolve));
    const running = stores.map((store, i) => appender(store, i, start));
    go();
    const reports = await Promise.all(running);

    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    const wins = reports.flatMap((r) => r.wins).sort((a, b) => a.result.streamRevision - b.result.streamRevision);
    // Revision 0 is the seed; every later one was won once.
    expect(wins.map((w) => w.result.streamRevision)).toEqual(range(REVISIONS - 1).map((r) => r + 1));
    const events = await collect(first.readStream(STREAM));
    expect(events.map((e) => e.revision)).toEqual(range(REVISIONS));
    for (const win of wins) {
      const event = events[win.result.streamRevision]!;
      expect(event.id).toBe(win.id);
      expect(event.position).toBe(win.result.position);
      // The winner had read the revision just before the one it won.
      expect((event.data as { read: number }).read).toBe(event.revision - 1);
    }
    const tally = reports.map((r, i) => `appender ${i}: ${r.wins.length} won, ${r.conflicts} lost`).join('; ');
    expect(reports.reduce((sum, r) => sum + r.conflicts, 0), tally).toBeGreaterThan(0);
    expect(reports.filter((r) => r.wins.length > 0).length, tally).toBeGreaterThan(1);
  });
});
