import { expect, it } from 'vitest';
import { StoreKeys } from '../../src/adapters/redis/keys.js';
import { collect } from '../helpers/collect.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

describeWithService(service, 'Redis: positions past 10^14', () => {
  const redis = useRedis(service.url);

  // Lua formats a number it concatenates with 14 digits: the append script must format
  // positions and revisions itself, or entry ids past 10^14 come out wrong or refused.
  it('stores, reads and finds events whose positions cross 10^14 exactly', async () => {
    const store = await redis.open();
    const admin = await redis.client();
    const keys = new StoreKeys(redis.prefixOf(store));
    await admin.set(keys.positions, String(1e14 - 2));

    const first = await store.append('order-1', [{ type: 'A' }]);
    const second = await store.append('order-1', [{ type: 'B' }, { type: 'C' }], { expectedRevision: 0 });
    expect(first).toMatchObject({ streamRevision: 0, position: 1e14 - 1 });
    expect(second).toMatchObject({ streamRevision: 2, position: 1e14 + 1 });

    const all = await collect(store.readAll());
    expect(all.map((e) => [e.type, e.position, e.revision])).toEqual([
      ['A', 1e14 - 1, 0],
      ['B', 1e14, 1],
      ['C', 1e14 + 1, 2],
    ]);
    expect((await collect(store.readStream('order-1'))).map((e) => e.position)).toEqual([1e14 - 1, 1e14, 1e14 + 1]);
    for (const event of all) expect((await store.getEvent(event.id))?.position).toBe(event.position);
    expect(await admin.xrange(keys.log, '-', '+')).toHaveLength(3);
    expect((await admin.xrange(keys.log, '-', '+')).map(([id]) => id)).toEqual(['99999999999999-0', '100000000000000-0', '100000000000001-0']);
  });
});
