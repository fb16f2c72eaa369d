import { expect, it } from 'vitest';
import { AnnalsError, openStore, SchemaVersionError } from '../../src/index.js';
import { StoreKeys } from '../../src/adapters/redis/keys.js';
import { REDIS_SCHEMA_VERSION } from '../../src/adapters/redis/scripts/schema.js';
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

  it('records the version of its key layout, and refuses a store a newer Annals has written, leaving it as it is', async () => {
    const admin = await redis.client();
    const store = await redis.open();
    const keys = new StoreKeys(redis.prefixOf(store));
    expect(store.schema).toEqual({ version: REDIS_SCHEMA_VERSION, migratedFrom: 0 });
    expect(await admin.get(keys.schema)).toBe(String(REDIS_SCHEMA_VERSION));
    expect((await redis.reopen(store)).schema).toEqual({ version: REDIS_SCHEMA_VERSION, migratedFrom: REDIS_SCHEMA_VERSION });

    // A store written before the marker: events, no version. It is version 1, and reads on.
    await store.append('order-1', [{ id: '6f1c2a3e-8b4d-4c5e-9f60-7a8b9c0d1e2f', type: 'Placed' }]);
    await admin.del(keys.schema);
    const older = await redis.reopen(store);
    expect(older.schema).toEqual({ version: REDIS_SCHEMA_VERSION, migratedFrom: 1 });
    expect((await older.getEvent('6f1c2a3e-8b4d-4c5e-9f60-7a8b9c0d1e2f'))?.type).toBe('Placed');

    await admin.set(keys.schema, String(REDIS_SCHEMA_VERSION + 1));
    const before = await redis.storeConnections(admin);
    const error = await failure(() => redis.reopen(store));
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ code: 'ANNALS_SCHEMA_VERSION', found: REDIS_SCHEMA_VERSION + 1, supported: REDIS_SCHEMA_VERSION });
    expect((error as SchemaVersionError).location).toContain(keys.base);
    expect(await admin.get(keys.schema)).toBe(String(REDIS_SCHEMA_VERSION + 1));
    expect(await redis.storeConnections(admin)).toEqual(before);
  });

  it('fails with ANNALS_STORE_UNAVAILABLE (retryable) when Redis cannot be reached', async () => {
    const error = await failure(() => openStore('redis://127.0.0.1:1/0', { logger: redis.logger }));
    expect(error).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
