import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sqlite/index.js';
import { dropGeneration, generationsOf, rebuildProjection, runProjections, streamProjection, type RebuildProgress } from '../../src/index.js';
import type { EventStore } from '../../src/core/event-store.js';
import { createTempDir } from '../helpers/temp-dir.js';

const temp = createTempDir();
afterAll(() => temp.remove());
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

type Tally = { total: number; count: number };
const tallies = streamProjection<Tally>({
  name: 'tallies',
  version: 1,
  handles: { category: 'tally' },
  indexes: { total: 'number' },
  initialState: () => ({ total: 0, count: 0 }),
  evolve: (state, event) => ({ total: state.total + (event.data as { amount: number }).amount, count: state.count + 1 }),
});

async function open(file: string): Promise<EventStore> {
  const store = await openSqliteStore(file);
  closing.push(() => store.close());
  return store;
}

/** The fold of the log, computed here without the projection code. */
async function cleanFold(store: EventStore): Promise<Map<string, Tally>> {
  const fold = new Map<string, Tally>();
  for await (const event of store.readAll({ category: 'tally' })) {
    const tally = fold.get(event.stream) ?? { total: 0, count: 0 };
    fold.set(event.stream, { total: tally.total + (event.data as { amount: number }).amount, count: tally.count + 1 });
  }
  return fold;
}

describe.each([['async', false], ['inline', true]] as const)('rebuilding a SQLite %s projection', (_kind, inline) => {
  it('builds the next generation beside the live one while appends and queries go on, then switches', async () => {
    const file = join(temp.path, `rebuild-${inline ? 'inline' : 'async'}.db`);
    const app = await open(file);
    const running = await runProjections(app, inline ? { inline: [tallies] } : [tallies], { leaseTtlMs: 1000 });
    closing.push(() => running.stop());
    await app.appendMany(Array.from({ length: 40 }, (_, s) => ({ stream: `tally-${s}`, events: Array.from({ length: 100 }, () => ({ type: 'Added', data: { amount: 1 } })) })));
    await running.caughtUp();

    // Appends and queries go on during the rebuild: a query never sees fewer streams or events than before.
    let stop = false;
    let seenStreams = 0;
    let seenEvents = 0;
    let queries = 0;
    const collection = running.readModels.collection<Tally>(tallies, 'state');
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const { position } = await app.append(`tally-${40 + (i % 20)}`, [{ type: 'Added', data: { amount: 2 } }]);
        const streams = await collection.count({}, { minPosition: position, timeoutMs: 5000 });
        const page = await collection.find({ orderBy: 'total', direction: 'desc', limit: 1000 });
        const events = page.items.reduce((sum, item) => sum + item.document.count, 0);
        expect(streams).toBeGreaterThanOrEqual(seenStreams);
        expect(events).toBeGreaterThanOrEqual(seenEvents);
        seenStreams = streams;
        seenEvents = events;
        queries++;
        await new Promise((resolve) => setTimeout(resolve, 2)); // an application's pace, not a tight loop
      }
    })();
    while (queries < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const before = queries;
    const cli = await open(file); // as `annals projections rebuild` would, from another connection
    const progress: RebuildProgress[] = [];
    const result = await rebuildProjection(cli, tallies, { onProgress: (p) => progress.push(p), progressIntervalMs: 5, batchSize: 20 });
    const during = queries - before;
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await load;
    expect(during).toBeGreaterThan(0);
    expect(queries).toBeGreaterThan(before + during);
    expect(result).toMatchObject({ previous: 100, generation: 101 });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.generation === 101 && p.checkpoint <= p.head)).toBe(true);
    expect((await generationsOf(cli.readModelStore(), tallies)).live).toBe(101);

    // The application's runner moved to the new generation, which equals a clean fold of the log.
    const { position } = await app.append('tally-0', [{ type: 'Added', data: { amount: 5 } }]);
    await running.readModels.waitFor(tallies, { minPosition: position, timeoutMs: 5000 });
    expect(running.runners[0]!.generation).toBe(101);
    const fold = await cleanFold(app);
    const built = (await collection.find({ limit: 1000 })).items;
    expect(new Map(built.map((item) => [item.id, item.document]))).toEqual(fold);

    // The old generation can be dropped now, not the live one.
    await expect(dropGeneration(cli.readModelStore(), tallies, 101)).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
    await dropGeneration(cli.readModelStore(), tallies, 100);
    expect(await collection.count()).toBe(fold.size);
  }, 30_000);
});
