import { expect, it } from 'vitest';
import { StoreKeys } from '../../src/adapters/redis/keys.js';
import { madeId, madeIdPosition } from '../../src/adapters/redis/made-ids.js';
import { collect } from '../helpers/collect.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

describeWithService(service, 'Redis: store-made event ids', () => {
  const redis = useRedis(service.url);

  it('makes ids that name their position, one random prefix per call, and indexes only given ids', async () => {
    const store = await redis.open();
    const admin = await redis.client();
    const keys = new StoreKeys(redis.prefixOf(store));
    const given = '6f1c2a3e-8b4d-4c5e-9f60-7a8b9c0d1e2f';
    await store.append('order-1', [{ type: 'A' }, { type: 'B' }]);
    await store.append('order-1', [{ type: 'C' }, { id: given, type: 'D' }]);
    await store.appendMany([
      { stream: 'order-2', events: [{ type: 'E' }] },
      { stream: 'order-3', events: [{ type: 'F' }] },
    ]);
    const all = await collect(store.readAll());
    const made = all.filter((e) => e.id !== given);
    for (const event of made) expect(madeIdPosition(event.id)).toBe(event.position);
    const prefixOf = (type: string) => all.find((e) => e.type === type)!.id.slice(0, 21);
    expect(prefixOf('A')).toBe(prefixOf('B'));
    expect(prefixOf('E')).toBe(prefixOf('F'));
    expect(new Set(['A', 'C', 'E'].map(prefixOf)).size).toBe(3);
    // The log entry holds the prefix; the id index holds the one given id.
    expect(await admin.hgetall(keys.ids)).toEqual({ [given]: String(all.find((e) => e.type === 'D')!.position) });
    const [[, fields]] = (await admin.xrange(keys.log, '1', '1')) as [[string, string[]]];
    expect(fields.slice(0, 2)).toEqual(['i', prefixOf('A')]);
  });

  it('never takes a given id of the same shape for the event at the position it names', async () => {
    const store = await redis.open();
    await store.append('order-1', [{ type: 'A' }]);
    const [a] = await collect(store.readAll());
    // The made id of position 1 under another prefix, and of a position not reached yet.
    const lookalike = madeId('00000000-0000-8000-80', a!.position);
    const ahead = madeId(a!.id.slice(0, 21), a!.position + 1);
    await store.append('order-2', [{ id: lookalike, type: 'B' }]);
    await store.append('order-3', [{ id: ahead, type: 'C' }]);
    expect((await store.getEvent(a!.id))?.type).toBe('A');
    expect((await store.getEvent(lookalike))?.type).toBe('B');
    expect((await store.getEvent(ahead))).toMatchObject({ type: 'C', stream: 'order-3', position: a!.position + 2 });
    // 'ahead' names position 2 under A's prefix, but position 2 holds B; later calls draw new prefixes.
    const all = await collect(store.readAll());
    expect(new Set(all.map((e) => e.id)).size).toBe(3);
    expect(await store.getEvent(madeId(a!.id.slice(0, 21), a!.position + 2))).toBeUndefined();
  });

  it('gives stores that assign the same positions different ids', async () => {
    const first = await redis.open();
    const second = await redis.open();
    await first.append('order-1', [{ type: 'A' }, { type: 'B' }]);
    await second.append('order-1', [{ type: 'A' }, { type: 'B' }]);
    const [ones, twos] = [await collect(first.readAll()), await collect(second.readAll())];
    expect(ones.map((e) => e.position)).toEqual(twos.map((e) => e.position));
    for (const [i, event] of ones.entries()) {
      expect(event.id).not.toBe(twos[i]!.id);
      expect(await second.getEvent(event.id)).toBeUndefined();
    }
  });

  it('finds made ids at positions up to 2^53 - 1', async () => {
    const store = await redis.open();
    const admin = await redis.client();
    await admin.set(new StoreKeys(redis.prefixOf(store)).positions, String(Number.MAX_SAFE_INTEGER - 3));
    // The append's result too: ioredis reads integer replies this large inexactly, so the script answers in text.
    expect(await store.append('order-1', [{ type: 'A' }, { type: 'B' }, { type: 'C' }])).toEqual({
      stream: 'order-1',
      streamRevision: 2,
      position: Number.MAX_SAFE_INTEGER,
    });
    const all = await collect(store.readAll({ after: Number.MAX_SAFE_INTEGER - 4 }));
    expect(all.map((e) => e.position)).toEqual([Number.MAX_SAFE_INTEGER - 2, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]);
    for (const event of all) {
      expect(madeIdPosition(event.id)).toBe(event.position);
      expect(await store.getEvent(event.id)).toEqual(event);
    }
  });
});
