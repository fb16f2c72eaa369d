import { afterEach, describe, expect, it } from 'vitest';
import { openMemory } from '../adapters/memory/open.js';
import { EventStore } from '../core/event-store.js';
import { generationsOf } from './generations.js';
import { dropGeneration, rebuildProjection } from './rebuild.js';
import { streamProjection } from './shapes.js';

const counts = streamProjection<{ n: number }>({
  name: 'counts',
  version: 2,
  initialState: () => ({ n: 0 }),
  evolve: (state) => ({ n: state.n + 1 }),
});

const stores: EventStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

describe('rebuilds', () => {
  it("build the version's generations in turn, then reuse the oldest that is not live, emptied first", async () => {
    const store = new EventStore(await openMemory());
    stores.push(store);
    await store.append('a-1', [{ type: 'E' }, { type: 'E' }]);
    const readModels = store.readModelStore();
    const first = await rebuildProjection(store, counts);
    expect(first).toMatchObject({ previous: undefined, generation: 200 });
    for (let i = 1; i < 100; i++) await rebuildProjection(store, counts);
    expect((await generationsOf(readModels, counts)).live).toBe(299);
    // Leave something in generation 200 that a reuse must not keep: a dead letter.
    await readModels.commit({ key: { projection: 'counts', version: 200, partition: 0 }, from: 2, checkpoint: 2, writes: [], park: [{ position: 1, eventId: 'x', stream: 'a-1', type: 'E', error: 'old', parkedAt: 0 }] });
    await store.append('a-1', [{ type: 'E' }]);
    const reused = await rebuildProjection(store, counts);
    expect(reused).toMatchObject({ previous: 299, generation: 200, checkpoint: 3 });
    expect(await readModels.deadLetters({ projection: 'counts', version: 200, partition: 0 }, 0, 10)).toEqual([]);
    const [json] = await readModels.get(counts.specsAt(200).get('state')!, ['a-1']);
    expect(JSON.parse(json!)).toEqual({ n: 3 });
    expect(await rebuildProjection(store, counts)).toMatchObject({ previous: 200, generation: 201 });
    await expect(dropGeneration(readModels, counts, 201)).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
  });
});
