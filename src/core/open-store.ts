import { DriverMissingError, UnsupportedStoreUrlError } from './errors.js';
import type { PostgresOptions } from '../adapters/postgres/options.js';
import type { RedisOptions } from '../adapters/redis/options.js';
import type { SqliteOptions } from '../adapters/sqlite/options.js';
import { EventStore, type EventStoreOptions } from './event-store.js';

/** Options for openStore: the core's, and each backend's (a backend ignores the others'). */
export type OpenStoreOptions = EventStoreOptions & SqliteOptions & PostgresOptions & RedisOptions;

type Opener = (target: string, options: OpenStoreOptions) => Promise<EventStore>;

// The only place the core reaches the adapters: each is loaded only when its scheme is used,
// so its driver is never imported by an application that does not use it.
const openers: Record<string, Opener> = {
  memory: async (_target, options) => new EventStore(await (await import('../adapters/memory/open.js')).openMemory(), options),
  sqlite: async (target, options) => (await import('../adapters/sqlite/open.js')).openSqliteStore(target, options),
  postgres: async (target, options) => (await loadDriverModule('postgres', 'pg', () => import('../adapters/postgres/open.js'))).openPostgresStore(`postgres:${target}`, options),
  postgresql: async (target, options) => (await loadDriverModule('postgres', 'pg', () => import('../adapters/postgres/open.js'))).openPostgresStore(`postgresql:${target}`, options),
  redis: async (target, options) => (await loadDriverModule('redis', 'ioredis', () => import('../adapters/redis/open.js'))).openRedisStore(`redis:${target}`, options),
  rediss: async (target, options) => (await loadDriverModule('redis', 'ioredis', () => import('../adapters/redis/open.js'))).openRedisStore(`rediss:${target}`, options),
};

/** Loads a backend whose driver is an optional peer dependency, with a typed error when it is missing. */
async function loadDriverModule<T>(adapter: string, driver: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message?.includes(`'${driver}'`)) throw new DriverMissingError(adapter, driver, { cause: error });
    throw error;
  }
}

/** The store URL forms `openStore` knows, as its error messages list them. */
export const SUPPORTED_URLS = ['memory:', 'sqlite:<path>', 'postgres://<user>@<host>:<port>/<database>', 'redis://<host>:<port>/<db>'];

/**
 * Opens an event store from a URL:
 * - `memory:` — in-process, gone when the process ends;
 * - `sqlite:<path>` (or `sqlite://<path>`) — a file; `sqlite::memory:` for a private in-memory database.
 *   Options may also be given in the URL's query, e.g. `sqlite:./annals.db?synchronous=normal`;
 * - `postgres://…` (or `postgresql://…`) — PostgreSQL, with the optional peer dependency `pg`;
 *   Annals' options may be given in the query, e.g. `?schema=orders&poolSize=20`.
 * - `redis://…` (or `rediss://…`) — Redis Streams, with the optional peer dependency `ioredis`.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<EventStore> {
  if (typeof url !== 'string') throw new UnsupportedStoreUrlError(String(url), SUPPORTED_URLS);
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(url);
  const opener = match ? openers[match[1]!.toLowerCase()] : undefined;
  if (!match || !opener) throw new UnsupportedStoreUrlError(url, SUPPORTED_URLS);
  return opener(match[2]!, options);
}
