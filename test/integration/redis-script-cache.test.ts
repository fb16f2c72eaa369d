import { expect, it } from 'vitest';
import { SCRIPTS } from '../../src/adapters/redis/scripts/index.js';
import { collect } from '../helpers/collect.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

describeWithService(service, 'Redis: the script cache', () => {
  const redis = useRedis(service.url);

  it('loads its scripts again when Redis has forgotten them (SCRIPT FLUSH) and carries every call out once', async () => {
    const store = await redis.open();
    const admin = await redis.client();
    const first = await store.append('order-1', [{ type: 'Placed' }]);

    await admin.script('FLUSH');
    const second = await store.append('order-1', [{ type: 'Paid' }], { expectedRevision: first.streamRevision });
    expect(second).toMatchObject({ streamRevision: 1, position: first.position + 1 });
    expect(await admin.script('EXISTS', SCRIPTS.append.sha)).toEqual([1]);

    await admin.script('FLUSH');
    expect((await collect(store.readStream('order-1'))).map((e) => e.type)).toEqual(['Placed', 'Paid']);
    await admin.script('FLUSH');
    expect((await collect(store.readAll({ category: 'order' }))).map((e) => e.type)).toEqual(['Placed', 'Paid']);
    await admin.script('FLUSH');
    await store.truncateStream('order-1', { before: 1 });
    await admin.script('FLUSH');
    await store.deleteStream('order-1', { mode: 'soft' });
    expect(await store.streamInfo('order-1')).toMatchObject({ exists: false, deleted: 'soft', revision: 1 });
    // Nothing ran twice: the log holds the two appends, then nothing (both removed), and positions moved on by two.
    expect(await collect(store.readAll())).toEqual([]);
    expect(await store.headPosition()).toBe(second.position);
  });
});
