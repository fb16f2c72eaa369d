import { expect, it } from 'vitest';
import { AnnalsError, openStore } from '../../src/index.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

async function failure(open: () => Promise<unknown>): Promise<AnnalsError> {
  const error = await open().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AnnalsError);
  return error as AnnalsError;
}

describeWithService(service, 'Redis: opening a store', () => {
  const redis = useRedis(service.url);

  it('refuses bad options before it connects', async () => {
    const admin = await redis.client();
    const before = await redis.storeConnections(admin);
    for (const options of [
      { keyPrefix: '' },
      { keyPrefix: 'a b' },
      { pollIntervalMs: 0 },
      { pageSize: 0 },
      { logger: {} as never },
      { connection: { maxRetriesPerRequest: 5 } },
      { connection: { autoResendUnfulfilledCommands: true } },
      { connection: { enableOfflineQueue: false } },
      { connection: { keyPrefix: 'x:' } },
    ]) {
      expect((await failure(() => openStore(service.url, { ...options, connection: { connectionName: redis.connectionName, ...options.connection } }))).code, JSON.stringify(options)).toBe(
        'ANNALS_INVALID_ARGUMENT',
      );
    }
    expect((await failure(() => openStore(`${service.url}?keyPrefix=a%20b`))).code).toBe('ANNALS_INVALID_ARGUMENT');
    expect(await redis.storeConnections(admin)).toEqual(before);
  });

  it('takes Annals options (keyPrefix) from the URL query, out of what goes to ioredis', async () => {
    const url = new URL(service.url);
    const prefix = redis.keyPrefix();
    url.searchParams.set('keyPrefix', prefix);
    const fromUrl = await openStore(url.toString(), { logger: redis.logger });
    try {
      await fromUrl.append('order-1', [{ type: 'Placed' }]);
      const admin = await redis.client();
      expect(await admin.exists(`${prefix}{${prefix.slice(0, -1)}}:log`)).toBe(1);
    } finally {
      await fromUrl.close();
    }
  });

  it('fails with ANNALS_STORE_UNAVAILABLE (retryable) when Redis cannot be reached', async () => {
    const error = await failure(() => openStore('redis://127.0.0.1:1/0', { logger: redis.logger }));
    expect(error).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
