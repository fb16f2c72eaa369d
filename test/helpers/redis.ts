import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { openStore, type EventStore, type OpenStoreOptions } from '../../src/index.js';
import { openRedisAdapter, openRedisReadModels, type RedisAdapter, type RedisReadModels, type RedisStoreOptions } from '../../src/adapters/redis/index.js';
import type { ServiceSpec } from './services.js';

export const redisService: ServiceSpec = {
  name: 'Redis',
  variable: 'ANNALS_TEST_REDIS_URL',
  defaultUrl: 'redis://127.0.0.1:6379/0',
  async probe(url) {
    const client = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    let cause: unknown;
    client.on('error', (error) => (cause ??= error));
    try {
      await client.connect().catch((error: unknown) => {
        throw cause ?? error; // the socket's reason (ECONNREFUSED, …) rather than "Connection is closed"
      });
      await client.ping();
    } finally {
      client.disconnect();
    }
  },
};

/** Warnings a store logged, kept instead of printed. */
export class CollectingLogger {
  readonly warnings: { facts: object; message: string }[] = [];
  warn(facts: object, message: string): void {
    this.warnings.push({ facts, message });
  }
}

/**
 * A test file's Redis: key prefixes of its own (`annals-test-<pid>-<random>-<n>:`), so runs and
 * files never share keys, the stores opened on them (with a connection name of their own, so a
 * test can find and kill their connections), and plain clients for inspecting. Everything is
 * closed and every key under the run's prefix deleted after the file's tests.
 */
export class RedisTestContext {
  readonly run = `annals-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  /** The CLIENT SETNAME of every store this context opens (its watcher adds `-watch`). */
  readonly connectionName = `${this.run}-store`;
  readonly logger = new CollectingLogger();
  private readonly stores = new Set<EventStore>();
  private readonly adapters = new Set<RedisAdapter>();
  private readonly clients = new Set<Redis>();
  private readonly readModelStores = new Set<RedisReadModels>();
  private readonly prefixes = new WeakMap<object, string>();
  private count = 0;

  constructor(readonly url: string) {}

  /** A new key prefix, whose keys are deleted at cleanup. */
  keyPrefix(): string {
    return `${this.run}-${++this.count}:`;
  }

  /** Opens a store on `keyPrefix` (a new one by default); closed at cleanup. */
  async open(options: OpenStoreOptions = {}): Promise<EventStore> {
    const keyPrefix = options.keyPrefix ?? this.keyPrefix();
    const store = await openStore(this.url, {
      logger: this.logger,
      ...options,
      keyPrefix,
      connection: { connectionName: this.connectionName, ...options.connection },
    });
    this.stores.add(store);
    this.prefixes.set(store, keyPrefix);
    return store;
  }

  /** Another store on the same keys as `store`, with a connection of its own. */
  reopen(store: EventStore, options: OpenStoreOptions = {}): Promise<EventStore> {
    return this.open({ ...options, keyPrefix: this.prefixOf(store) });
  }

  /** Read models alone (openRedisReadModels) on `keyPrefix` (a new one by default), with a connection of their own; closed at cleanup. */
  async readModels(keyPrefix: string = this.keyPrefix()): Promise<RedisReadModels> {
    const store = await openRedisReadModels(this.url, { keyPrefix, connection: { connectionName: this.connectionName } });
    this.readModelStores.add(store);
    this.prefixes.set(store, keyPrefix);
    return store;
  }

  prefixOf(store: EventStore | RedisReadModels): string {
    const prefix = this.prefixes.get(store);
    if (!prefix) throw new Error('not a store of this context');
    return prefix;
  }

  /** The adapter alone (to read its durability or keys); closed at cleanup. */
  async adapter(options: RedisStoreOptions = {}): Promise<RedisAdapter> {
    const adapter = await openRedisAdapter(this.url, {
      logger: this.logger,
      ...options,
      keyPrefix: options.keyPrefix ?? this.keyPrefix(),
      connection: { connectionName: this.connectionName, ...options.connection },
    });
    this.adapters.add(adapter);
    return adapter;
  }

  /** A plain client with ioredis' defaults, disconnected at cleanup. */
  async client(): Promise<Redis> {
    const client = new Redis(this.url, { lazyConnect: true, connectionName: `${this.run}-admin` });
    client.on('error', () => undefined);
    await client.connect();
    this.clients.add(client);
    return client;
  }

  /** Ids of the connections of this context's stores (`CLIENT LIST`), watchers included or not. */
  async storeConnections(admin: Redis, { watchers = true } = {}): Promise<string[]> {
    const list = (await admin.client('LIST')) as string;
    return list
      .split('\n')
      .map((line) => Object.fromEntries(line.split(' ').map((pair) => pair.split('=', 2) as [string, string])))
      .filter((c) => c.name === this.connectionName || (watchers && c.name === `${this.connectionName}-watch`))
      .map((c) => c.id!);
  }

  async cleanup(): Promise<void> {
    for (const store of this.stores) await store.close().catch(() => undefined);
    this.stores.clear();
    for (const adapter of this.adapters) await adapter.close().catch(() => undefined);
    this.adapters.clear();
    for (const readModels of this.readModelStores) await readModels.close().catch(() => undefined);
    this.readModelStores.clear();
    for (const client of this.clients) client.disconnect();
    this.clients.clear();
    const admin = new Redis(this.url, { connectionName: `${this.run}-admin` });
    admin.on('error', () => undefined);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${this.run}-*`, 'COUNT', 1000);
        if (keys.length > 0) await admin.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      admin.disconnect();
    }
  }
}

/** A context for the current file or describe block, cleaned up after its tests. */
export function useRedis(url: string): RedisTestContext {
  const context = new RedisTestContext(url);
  afterAll(() => context.cleanup());
  return context;
}
