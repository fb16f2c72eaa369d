import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sqlite/index.js';
import { EventStore } from '../../src/core/event-store.js';
import { openMemory } from '../../src/adapters/memory/open.js';
import { defineProjection, runProjections, type RunningProjections } from '../../src/index.js';
import type { RecordedEvent } from '../../src/core/types.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { add, tallies as tallyProjection, type Tally } from '../helpers/tallies.js';

const temp = createTempDir();
let files = 0;
const dir = () => temp.path;
afterAll(() => temp.remove());
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

const tallies = tallyProjection('tally');

async function sqliteStore(file = join(dir(), `store-${++files}.db`)) {
  const store = await openSqliteStore(file);
  closing.push(() => store.close());
  return store;
}

async function run(store: EventStore, registration: Parameters<typeof runProjections>[1]): Promise<RunningProjections> {
  const running = await runProjections(store, registration, { leaseTtlMs: 1000 });
  closing.push(() => running.stop());
  return running;
}


describe.each([
  ['memory', async () => {
    const store = new EventStore(await openMemory());
    closing.push(() => store.close());
    return store;
  }],
  ['sqlite', () => sqliteStore()],
])('inline projections on %s', (_name, open) => {
  it('apply inside the append: a read right after it returns sees the change, without waiting', async () => {
    const store = await open();
    const running = await run(store, { inline: [tallies] });
    await running.caughtUp();
    const tally = running.readModels.collection<Tally>(tallies, 'state');
    for (let i = 1; i <= 20; i++) {
      const { position } = await store.append(`tally-${i % 3}`, [add(i)]);
      const read = await tally.get(`tally-${i % 3}`); // no minPosition: the append itself applied it
      expect(read!.applied.at(-1)).toBe(position);
    }
    expect((await running.status())[0]).toMatchObject({ checkpoint: await store.headPosition(), lag: { positions: 0 } });
  });

  it('a throwing apply fails the append, which writes nothing: neither events nor documents', async () => {
    const store = await open();
    const other = defineProjection({
      name: 'other',
      version: 1,
      collections: { seen: {} },
      apply: (event: RecordedEvent, session) => session.upsert('seen', event.id, { type: event.type }),
    });
    const running = await run(store, { inline: [other, tallies] });
    await store.append('tally-1', [add(1)]);
    const head = await store.headPosition();
    await expect(store.append('tally-1', [add(2), add(-1)])).rejects.toThrow('refused amount -1');
    expect(await store.headPosition()).toBe(head);
    expect(await running.readModels.collection<Tally>(tallies, 'state').get('tally-1')).toMatchObject({ total: 1 });
    expect(await running.readModels.collection(other, 'seen').count()).toBe(1);
    await store.append('tally-1', [add(5)]);
    expect(await running.readModels.collection<Tally>(tallies, 'state').get('tally-1')).toMatchObject({ total: 6 });
  });

  it('concurrent appends (grouped into one transaction on SQLite) are each applied once, in stream order', async () => {
    const store = await open();
    const running = await run(store, { inline: [tallies] });
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.append(`tally-${i % 7}`, [add(1), add(2)])));
    const tally = running.readModels.collection<Tally>(tallies, 'state');
    const page = await tally.find({ limit: 100 });
    expect(page.items).toHaveLength(7);
    let applied = 0;
    for (const { document } of page.items) {
      expect(document.applied).toEqual([...document.applied].sort((a, b) => a - b));
      expect(document.total).toBe((document.applied.length / 2) * 3);
      applied += document.applied.length;
    }
    expect(applied).toBe(400);
  });
});

describe('inline projections on SQLite, with appends from a process that did not register them', () => {
  it('are caught up by the runner exactly once, then applied inline again', async () => {
    const file = join(dir(), 'shared.db');
    const store = await sqliteStore(file);
    const running = await run(store, { inline: [tallies] });
    const outsider = await sqliteStore(file); // another connection, as the CLI or another service
    await store.append('tally-1', [add(1)]);
    const { position } = await outsider.append('tally-1', [add(10), add(100)]);
    // The next inline append finds the projection behind and leaves its events to the runner.
    await store.append('tally-1', [add(1000)]);
    const tally = running.readModels.collection<Tally>(tallies, 'state');
    const caughtUp = await tally.get('tally-1', { minPosition: position + 1, timeoutMs: 5000 });
    expect(caughtUp).toMatchObject({ total: 1111, applied: [1, 2, 3, 4] });
    const { position: last } = await store.append('tally-1', [add(10_000)]);
    expect(await tally.get('tally-1')).toMatchObject({ total: 11_111, applied: [1, 2, 3, 4, last] });
  });
});
