import { randomBytes } from 'node:crypto';
import { expect, it, vi } from 'vitest';
import { EventStore } from '../../src/index.js';
import { assessDurability } from '../../src/adapters/redis/durability.js';
import { collect } from '../helpers/collect.js';
import { CollectingLogger, redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

describeWithService(service, 'Redis: durability is explicit', () => {
  const redis = useRedis(service.url);

  async function serverSettings() {
    const admin = await redis.client();
    const get = async (name: string) => ((await admin.config('GET', name)) as string[])[1] ?? '';
    return {
      appendonly: await get('appendonly'),
      appendfsync: await get('appendfsync'),
      save: await get('save'),
      maxmemoryPolicy: await get('maxmemory-policy'),
    };
  }

  it('reports the server settings and, when a crash can lose appends, logs one warning saying what and how to fix it', async () => {
    const settings = await serverSettings();
    const expected = assessDurability(settings);
    const logger = new CollectingLogger();
    const adapter = await redis.adapter({ logger });
    expect(adapter.durability).toEqual(expected);
    // Working with the store adds no warnings: there is one, when it opens.
    const store = new EventStore(adapter);
    for (let i = 0; i < 5; i++) await store.append(`order-${i}`, [{ type: 'Placed' }]);
    await collect(store.readAll());

    if (expected.safe) {
      expect(logger.warnings).toEqual([]);
      return;
    }
    // This machine's Redis keeps nothing on disk (appendonly no).
    if (settings.appendonly === 'no') expect(adapter.durability).toMatchObject({ appendonly: 'no', safe: false });
    expect(logger.warnings).toHaveLength(1);
    const [{ message, facts }] = logger.warnings as [{ message: string; facts: { durability: unknown } }];
    expect(facts.durability).toEqual(expected);
    expect(message).toContain(expected.risk!);
    expect(message).toContain("'appendonly yes'");
    expect(message).toContain("'appendfsync always'");
  });

  it('warns through console.warn once per process for a server, however many stores open on it, when given no logger', async () => {
    const unsafe = !assessDurability(await serverSettings()).safe;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (let i = 0; i < 3; i++) await redis.adapter({ logger: undefined });
      expect(warn).toHaveBeenCalledTimes(unsafe ? 1 : 0);
      if (unsafe) expect(String(warn.mock.calls[0]![0])).toMatch(/^\[annals\] /);
    } finally {
      warn.mockRestore();
    }
  });

  it('reads the settings live when the store opens (appendfsync changed and restored)', async () => {
    const admin = await redis.client();
    const [, original] = (await admin.config('GET', 'appendfsync')) as [string, string];
    const other = original === 'always' ? 'everysec' : 'always';
    try {
      await admin.config('SET', 'appendfsync', other);
      const adapter = await redis.adapter({ logger: new CollectingLogger() });
      expect(adapter.durability.appendfsync).toBe(other);
    } finally {
      await admin.config('SET', 'appendfsync', original);
    }
    expect(((await admin.config('GET', 'appendfsync')) as string[])[1]).toBe(original);
  });

  it('says it cannot tell when CONFIG is denied, and calls the store unsafe', async () => {
    const admin = await redis.client();
    const user = `${redis.run}-no-config`;
    const password = randomBytes(12).toString('hex');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-config');
    try {
      const logger = new CollectingLogger();
      const adapter = await redis.adapter({ logger, connection: { username: user, password } });
      expect(adapter.durability).toMatchObject({ safe: false, appendonly: 'unknown', appendfsync: 'unknown' });
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]!.message).toMatch(/could not read the server's configuration \(CONFIG GET failed: NOPERM/);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  });
});
