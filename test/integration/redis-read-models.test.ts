import { expect, it } from 'vitest';
import { LeaseLostError, StoreUnavailableError } from '../../src/core/errors.js';
import { openRedis, openRedisReadModels } from '../../src/adapters/redis/index.js';
import { encodeDocument } from '../../src/readmodel/documents.js';
import { collectionSpec } from '../../src/readmodel/names.js';
import type { CollectionSpec, DocumentWrite, ProjectionKey } from '../../src/readmodel/types.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

const ORDERS = collectionSpec('shop', 1, 'orders', { customer: 'string', total: 'number' });
const KEY: ProjectionKey = { projection: 'shop', version: 1, partition: 0 };

function put(spec: CollectionSpec, id: string, document: Record<string, unknown>): DocumentWrite {
  return { op: 'put', collection: spec, id, ...encodeDocument(spec, id, document) };
}

describeWithService(service, 'Redis read models', () => {
  const redis = useRedis(service.url);

  it('of two connections committing from the same checkpoint, exactly one wins each round, and the loser writes nothing', async () => {
    const one = await redis.readModels();
    const two = await redis.readModels(redis.prefixOf(one));
    for (let round = 0; round < 30; round++) {
      const results = await Promise.allSettled(
        [one, two].map((store, s) => store.commit({ key: KEY, from: round, checkpoint: round + 1, writes: [put(ORDERS, `r${round}-s${s}`, { total: round })] })),
      );
      const won = results.findIndex((r) => r.status === 'fulfilled');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results[1 - won] as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(LeaseLostError);
      expect(await one.get(ORDERS, [`r${round}-s${won}`, `r${round}-s${1 - won}`])).toEqual([expect.any(String), undefined]);
    }
    expect((await one.state(KEY))!.checkpoint).toBe(30);
  });

  it('of connections racing for a free lease, exactly one holds it each round', async () => {
    const stores = [await redis.readModels()];
    for (let i = 0; i < 3; i++) stores.push(await redis.readModels(redis.prefixOf(stores[0]!)));
    for (let round = 0; round < 30; round++) {
      const key = { ...KEY, partition: round };
      const answers = await Promise.all(stores.map((store, s) => store.lease(key, `runner-${s}`, 10_000)));
      const holders = answers.filter((a) => a.held);
      expect(holders).toHaveLength(1);
      expect(holders[0]!.state.epoch).toBe(1);
      for (const answer of answers) expect(answer.state.owner).toBe(holders[0]!.state.owner);
    }
  });

  it('a find among 10,000 unrelated documents reads only its index range and the documents in it', async () => {
    const store = await redis.readModels();
    await store.prepare([ORDERS]);
    const writes: DocumentWrite[] = [];
    for (let i = 0; i < 10_000; i++) writes.push(put(ORDERS, `o${i}`, i % 1000 === 0 ? { customer: 'ada', total: i } : { customer: `c${i % 97}`, total: i % 50 }));
    await store.commit({ key: KEY, from: 0, checkpoint: 1, writes });

    const admin = await redis.client();
    const monitor = await admin.monitor();
    const seen: string[][] = [];
    const prefix = redis.prefixOf(store);
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => arg.includes(prefix))) seen.push(args);
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // MONITOR is set up
    const found = await store.find(ORDERS, { field: 'customer', kind: 'string', eq: 'ada', direction: 'desc', limit: 4 });
    const counted = await store.count(ORDERS, { field: 'total', kind: 'number', gte: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    monitor.disconnect();

    expect(found.map((d) => d.id)).toEqual(['o9000', 'o8000', 'o7000', 'o6000']);
    expect(counted).toBe(9);
    // The commands that touched the store's keys: the script, one ZRANGE BYLEX … LIMIT 0 4 on the
    // index, one HMGET of exactly the four ids, and one ZLEXCOUNT. Nothing scans the collection.
    const commands = seen.map((args) => args[0]!.toUpperCase());
    expect(commands.filter((c) => !['EVALSHA', 'ZRANGE', 'HMGET', 'ZLEXCOUNT'].includes(c))).toEqual([]);
    const zrange = seen.filter((args) => args[0]!.toUpperCase() === 'ZRANGE');
    expect(zrange).toHaveLength(1);
    expect(zrange[0]!.slice(-5).map((a) => a.toUpperCase())).toEqual(['BYLEX', 'REV', 'LIMIT', '0', '4']);
    const hmget = seen.filter((args) => args[0]!.toUpperCase() === 'HMGET');
    expect(hmget).toHaveLength(1);
    expect(hmget[0]!.slice(2)).toEqual(['o9000', 'o8000', 'o7000', 'o6000']);
    expect(commands.filter((c) => c === 'ZLEXCOUNT')).toHaveLength(1);

    // And at that scale the index agrees with the documents: every page of every customer.
    let total = 0;
    for (let c = 0; c < 97; c++) total += await store.count(ORDERS, { field: 'customer', kind: 'string', eq: `c${c}` });
    expect(total + (await store.count(ORDERS, { field: 'customer', kind: 'string', eq: 'ada' }))).toBe(10_000);
  }, 60_000);

  it('wakes a watcher on another connection when a commit lands', async () => {
    const watched = await redis.readModels();
    const writer = await redis.readModels(redis.prefixOf(watched));
    // The first wake-up comes when the subscription is confirmed; the next one is the commit's.
    let wake: () => void = () => undefined;
    const stop = watched.watch(() => wake());
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    await next();
    const committed = next();
    await writer.commit({ key: KEY, from: 0, checkpoint: 5, writes: [] });
    await committed;
    stop();
  });

  it('a watcher whose connection is killed subscribes again, wakes, and sees later commits', async () => {
    const watched = await redis.readModels();
    const writer = await redis.readModels(redis.prefixOf(watched));
    const admin = await redis.client();
    let wake: () => void = () => undefined;
    const stop = watched.watch(() => wake());
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    await next();
    const stores = await redis.storeConnections(admin, { watchers: false });
    const subscribers = (await redis.storeConnections(admin)).filter((id) => !stores.includes(id));
    expect(subscribers.length).toBeGreaterThan(0);
    const resubscribed = next();
    for (const id of subscribers) await admin.client('KILL', 'ID', id);
    await resubscribed;
    const committed = next();
    await writer.commit({ key: KEY, from: 0, checkpoint: 7, writes: [] });
    await committed;
    stop();
  });

  it('drop removes every key of the collection, an index it no longer declares included, and nothing else', async () => {
    const store = await redis.readModels();
    const older = collectionSpec('shop', 1, 'orders', { customer: 'string', total: 'number', region: 'string' });
    await store.prepare([older]);
    await store.commit({ key: KEY, from: 0, checkpoint: 1, writes: [put(older, 'a', { customer: 'x', total: 1, region: 'eu' })] });
    const admin = await redis.client();
    const keysOf = async () => (await admin.keys(`${redis.prefixOf(store)}*`)).sort();
    expect((await keysOf()).filter((k) => k.includes(':rm:x:'))).toHaveLength(3);
    await store.drop([ORDERS]);
    const left = await keysOf();
    expect(left.filter((k) => k.includes('shop:v1:orders'))).toEqual([]);
    expect(left.some((k) => k.endsWith(':rm:p:shop:v1:0'))).toBe(true); // the state row stays
  });

  it("the event store's read models and openRedisReadModels on the same prefix share the data, and closing the part leaves the store's connection open", async () => {
    const keyPrefix = redis.keyPrefix();
    const backend = await openRedis(service.url, { keyPrefix, logger: redis.logger });
    const alone = await openRedisReadModels(`${service.url}?keyPrefix=${encodeURIComponent(keyPrefix)}`);
    try {
      await alone.commit({ key: KEY, from: 0, checkpoint: 3, writes: [put(ORDERS, 'a', { customer: 'x' })] });
      const part = backend.parts.readModels;
      expect(await part.get(ORDERS, ['a'])).toEqual([JSON.stringify({ customer: 'x' })]);
      await part.close();
      expect(await backend.parts.log.headPosition()).toBe(0);
    } finally {
      await alone.close();
      await backend.close();
    }
  });

  it('turns driver failures into typed errors: an unreachable server, and a closed connection', async () => {
    await expect(openRedisReadModels('redis://127.0.0.1:1/0', { connection: { connectTimeout: 500, retryStrategy: () => null } })).rejects.toBeInstanceOf(StoreUnavailableError);
    const store = await redis.readModels();
    await store.close();
    await expect(store.get(ORDERS, ['a'])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.commit({ key: KEY, from: 0, checkpoint: 1, writes: [] })).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
