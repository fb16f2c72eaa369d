/**
 * The Redis backend: `openRedisStore` for a store, `openRedis` for the backend alone
 * (docs/redis.md). Needs the `ioredis` package.
 * @module annals/redis
 */
export { openRedis, openRedisStore, openRedisAdapter, type RedisStoreOptions } from './open.js';
export { RedisBackend, RedisAdapter } from './redis-backend.js';
export { openRedisReadModels, type RedisReadModelOptions } from './open-read-models.js';
export { RedisReadModels } from './redis-read-models.js';
export type { RedisOptions, RedisLogger, RedisConnectionOptions } from './options.js';
export type { RedisDurability } from './durability.js';
export { StoreKeys } from './keys.js';
